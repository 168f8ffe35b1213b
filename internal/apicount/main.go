// Command apicount counts the exported names of the root module, per
// package: top-level constants, variables, functions and types, and the
// methods of exported types (struct fields are not counted). Test files,
// commands, internal packages and the nested modules are left out.
//
//	go run ./internal/apicount .
package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

func main() {
	root := os.Args[1]
	counts := map[string]int{}
	filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
		if info.IsDir() && (info.Name() == "testdata" || info.Name() == "internal" || info.Name() == "bench" || info.Name() == "reliability" || info.Name() == "cmd" || info.Name() == "examples" || info.Name() == "contrib" || strings.HasPrefix(info.Name(), ".")) && p != root {
			return filepath.SkipDir
		}
		if info.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), p, nil, 0)
		if err != nil {
			panic(err)
		}
		dir, _ := filepath.Rel(root, filepath.Dir(p))
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if !d.Name.IsExported() {
					continue
				}
				if d.Recv != nil {
					t := d.Recv.List[0].Type
					if s, ok := t.(*ast.StarExpr); ok {
						t = s.X
					}
					if ix, ok := t.(*ast.IndexExpr); ok {
						t = ix.X
					}
					if id, ok := t.(*ast.Ident); ok && !id.IsExported() {
						continue
					}
				}
				counts[dir]++
			case *ast.GenDecl:
				for _, s := range d.Specs {
					switch s := s.(type) {
					case *ast.TypeSpec:
						if s.Name.IsExported() {
							counts[dir]++
						}
					case *ast.ValueSpec:
						for _, n := range s.Names {
							if n.IsExported() {
								counts[dir]++
							}
						}
					}
				}
			}
		}
		return nil
	})
	var keys []string
	total := 0
	for k, v := range counts {
		keys = append(keys, k)
		total += v
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Printf("%-12s %d\n", k, counts[k])
	}
	fmt.Println("total", total)
}
