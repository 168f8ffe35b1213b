package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
)

// delivery is what writing a response produced.
type delivery struct {
	size     int64 // bytes of body written
	readErr  error // reading the body failed
	writeErr error // writing the output failed
}

// deliver writes the response, its head first with -i, to standard
// output or the -o file, and closes its body. With -f a 4xx or 5xx writes
// nothing. The -o file is created only once there is a response to put
// in it, so a failed call leaves an earlier file as it was.
func deliver(resp *http.Response, o *fetchOptions, stdout io.Writer) delivery {
	defer resp.Body.Close()
	if o.fail && resp.StatusCode >= 400 {
		return delivery{}
	}
	if o.output == "" || o.output == "-" {
		return writeResponse(stdout, resp, o.include)
	}
	f, err := os.Create(o.output)
	if err != nil {
		return delivery{writeErr: err}
	}
	d := writeResponse(f, resp, o.include)
	if err := f.Close(); err != nil && d.writeErr == nil {
		d.writeErr = err
	}
	return d
}

func writeResponse(w io.Writer, resp *http.Response, include bool) delivery {
	if include {
		var head bytes.Buffer
		fmt.Fprintf(&head, "%s %s\r\n", resp.Proto, resp.Status)
		_ = resp.Header.Write(&head)
		head.WriteString("\r\n")
		if _, err := w.Write(head.Bytes()); err != nil {
			return delivery{writeErr: err}
		}
	}
	body := &readErrs{r: resp.Body}
	n, err := io.Copy(w, body)
	d := delivery{size: n}
	switch {
	case body.err != nil:
		d.readErr = body.err
	case err != nil:
		d.writeErr = err
	}
	return d
}

// readErrs keeps the error of a reader, so that io.Copy's error can be
// told apart: the body's or the output's.
type readErrs struct {
	r   io.Reader
	err error
}

func (r *readErrs) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if err != nil && err != io.EOF {
		r.err = err
	}
	return n, err
}
