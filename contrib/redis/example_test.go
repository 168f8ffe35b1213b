package redis_test

import (
	"log"
	"net/http"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/rebound-go/rebound"
	"github.com/rebound-go/rebound/breaker"
	rredis "github.com/rebound-go/rebound/contrib/redis"
	"github.com/rebound-go/rebound/fleet"
	"github.com/rebound-go/rebound/ratelimit"
)

// One breaker, one budget and one view of the server's quota per host for
// the whole fleet, and one quota of 100 requests a second for a
// credential. (Not run: it needs a Redis server.)
func Example() {
	rdb := goredis.NewClient(&goredis.Options{Addr: "localhost:6379",
		DialTimeout: 50 * time.Millisecond, DialerRetries: 1, MaxRetries: -1,
		ReadTimeout: 50 * time.Millisecond, WriteTimeout: 50 * time.Millisecond})
	defer rdb.Close()

	f, err := fleet.New(fleet.Settings{Store: rredis.NewStore(rdb, "myservice:")})
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	quota, err := rredis.NewQuota(rdb, rredis.QuotaSettings{Name: "client-id-1", Limit: 100})
	if err != nil {
		log.Fatal(err)
	}
	tr, err := rebound.NewTransport(nil, rebound.Config{
		Fleet:     f,
		Breaker:   &breaker.Settings{},
		Budget:    rebound.AdaptiveBudget,
		Pace:      &ratelimit.Settings{},
		RateLimit: quota,
	})
	if err != nil {
		log.Fatal(err)
	}
	client := &http.Client{Transport: tr}
	_ = client // client.Get(…) as usual
}
