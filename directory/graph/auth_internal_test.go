package graph

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"dgaudit/directory/demo"
	"dgaudit/directory/graph/graphtest"
)

// MSAL gives a token request 30 s, retries included, and when that runs
// out its error keeps neither the deadline nor the last answer. The test
// stands in for those 30 s with a short deadline on the request, then
// explains the error as if the caller's context were still live.
func TestSignInDeadlineIsUnreachable(t *testing.T) {
	t.Parallel()
	snap, err := demo.Source{}.Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		first graphtest.Fault // the first token request; later ones hang
		want  string
	}{
		{"unavailable, then slow", graphtest.Fault{Status: http.StatusServiceUnavailable}, "the authority is unavailable (HTTP 503) and the retries ran out of time"},
		{"never answers", graphtest.Fault{Delay: time.Second}, "the authority did not answer in time"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := graphtest.New(snap, graphtest.Options{})
			defer srv.Close()
			var n atomic.Int32
			srv.SetFaults(func(r graphtest.Request) graphtest.Fault {
				if !r.Token {
					return graphtest.Fault{}
				}
				if n.Add(1) == 1 {
					return tt.first
				}
				return graphtest.Fault{Delay: time.Second}
			})
			o := srv.Options()
			ts, err := NewTokenSource(Config{TenantID: o.TenantID, ClientID: o.ClientID, ClientSecret: o.ClientSecret,
				AuthorityHost: srv.URL, GraphURL: srv.GraphURL, HTTPClient: srv.Client(), RetryDelay: 10 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			defer cancel()
			const scope = "https://graph.microsoft.com/.default"
			_, err = ts.cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{scope}})
			if err == nil {
				t.Fatal("signed in through a hanging authority")
			}
			got := ts.explain(context.Background(), scope, err)
			if !errors.Is(got, ErrUnreachable) || errors.Is(got, ErrAuth) {
				t.Errorf("error %v, want %v and not %v", got, ErrUnreachable, ErrAuth)
			}
			if !strings.Contains(got.Error(), tt.want) {
				t.Errorf("error %q lacks %q", got, tt.want)
			}
		})
	}
}
