package graphtest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"dgaudit/directory"
)

func testSnapshot() *directory.Snapshot {
	s := &directory.Snapshot{}
	for _, id := range []string{"u1", "u2", "u3", "u4", "u5"} {
		s.Users = append(s.Users, directory.User{Recipient: directory.Recipient{ID: id, Name: id, Mail: id + "@corp.example"}, Kind: directory.Mailbox})
	}
	s.Contacts = []directory.Contact{{Recipient: directory.Recipient{ID: "c1", Name: "c1", Mail: "x@partner.example"}}}
	s.Groups = []directory.Group{
		{Recipient: directory.Recipient{ID: "g1", Name: "g1", Mail: "g1@corp.example"}, Kind: directory.Distribution, Members: []string{"u1", "c1"}},
		{Recipient: directory.Recipient{ID: "g2", Name: "g2", Mail: "g2@corp.example"}, Kind: directory.Microsoft365},
	}
	s.Org.AcceptedDomains = []directory.AcceptedDomain{{Domain: "corp.example", Type: directory.Authoritative, Default: true}}
	return s
}

// client signs in and returns a function making authenticated requests.
func client(t *testing.T, srv *Server) func(method, path string, body any) (int, map[string]any) {
	t.Helper()
	hc := srv.Client()
	o := srv.Options()
	resp, err := hc.PostForm(srv.URL+"/"+o.TenantID+"/oauth2/v2.0/token", url.Values{
		"grant_type": {"client_credentials"}, "client_id": {o.ClientID}, "client_secret": {o.ClientSecret},
		"scope": {"https://graph.microsoft.com/.default"}})
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	if tok.AccessToken == "" {
		t.Fatalf("no token (HTTP %d)", resp.StatusCode)
	}
	return func(method, target string, body any) (int, map[string]any) {
		t.Helper()
		var rd *bytes.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		} else {
			rd = bytes.NewReader(nil)
		}
		if !strings.HasPrefix(target, "https://") {
			target = srv.GraphURL + target
		}
		req, _ := http.NewRequest(method, target, rd)
		req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
			t.Fatalf("%s %s: %v", method, target, err)
		}
		return resp.StatusCode, out
	}
}

func TestCollectionsPageToTheEnd(t *testing.T) {
	srv := New(testSnapshot(), Options{})
	defer srv.Close()
	do := client(t, srv)
	for _, tt := range []struct {
		path string
		want int
	}{{"/users?$top=2&$select=id,mail", 5}, {"/contacts?$top=1", 1}, {"/groups?$filter=mailEnabled%20eq%20true&$top=1", 2}, {"/domains", 3 /* corp.example, the initial onmicrosoft.com domain, an unverified one */}} {
		seen := map[string]bool{}
		next := tt.path
		for pages := 0; next != ""; pages++ {
			if pages > 10 {
				t.Fatalf("%s: nextLinks do not end", tt.path)
			}
			code, body := do("GET", next, nil)
			if code != 200 {
				t.Fatalf("%s: HTTP %d %v", next, code, body)
			}
			for _, v := range body["value"].([]any) {
				id := v.(map[string]any)["id"].(string)
				if seen[id] {
					t.Errorf("%s: %s returned twice", tt.path, id)
				}
				seen[id] = true
			}
			next, _ = body["@odata.nextLink"].(string)
		}
		if len(seen) != tt.want {
			t.Errorf("%s: %d objects, want %d", tt.path, len(seen), tt.want)
		}
	}
}

func TestGraphErrors(t *testing.T) {
	srv := New(testSnapshot(), Options{})
	defer srv.Close()
	do := client(t, srv)
	tests := []struct {
		name, method, path string
		body               any
		code               int
		errCode            string
	}{
		{"unsupported filter", "GET", "/groups?$filter=startswith(mail,'a')", nil, 400, "Request_UnsupportedQuery"},
		{"settings of a distribution list", "GET", "/groups/g1?$select=allowExternalSenders", nil, 400, "ErrorInvalidRequest"},
		{"unknown group", "GET", "/groups/nope/members", nil, 404, "Request_ResourceNotFound"},
		{"batch over 20", "POST", "/$batch", map[string]any{"requests": make([]map[string]string, 21)}, 400, "BadRequest"},
	}
	for _, tt := range tests {
		code, body := do(tt.method, tt.path, tt.body)
		e, _ := body["error"].(map[string]any)
		if code != tt.code || e == nil || e["code"] != tt.errCode {
			t.Errorf("%s: HTTP %d %v, want %d %s", tt.name, code, body, tt.code, tt.errCode)
		}
	}
	// The Microsoft 365 group's settings come with a single-group read.
	code, body := do("GET", "/groups/g2?$select=id,allowExternalSenders", nil)
	if code != 200 || body["allowExternalSenders"] != false {
		t.Errorf("settings read: HTTP %d %v", code, body)
	}
}

func TestBatchThrottlesItems(t *testing.T) {
	srv := New(testSnapshot(), Options{})
	defer srv.Close()
	srv.SetFaults(Times(1, InBatch("/members"), Fault{Status: 429, RetryAfter: "2"}))
	do := client(t, srv)
	code, body := do("POST", "/$batch", map[string]any{"requests": []map[string]string{
		{"id": "1", "method": "GET", "url": "/groups/g1/members"},
		{"id": "2", "method": "GET", "url": "/groups/g2/members"}}})
	if code != 200 {
		t.Fatalf("HTTP %d", code)
	}
	got := map[string]float64{}
	for _, r := range body["responses"].([]any) {
		m := r.(map[string]any)
		got[m["id"].(string)] = m["status"].(float64)
		if m["status"].(float64) == 429 && m["headers"].(map[string]any)["Retry-After"] != "2" {
			t.Errorf("throttled item without its Retry-After: %v", m)
		}
	}
	if got["1"] != 429 || got["2"] != 200 {
		t.Errorf("statuses %v, want item 1 throttled and item 2 answered", got)
	}
}

// A revoked token gets the claims challenge that makes clients sign in again.
func TestExpiredTokenChallenge(t *testing.T) {
	srv := New(testSnapshot(), Options{})
	defer srv.Close()
	do := client(t, srv)
	srv.SetFaults(Times(1, Graph("/users"), Fault{ExpireTokens: true}))
	code, body := do("GET", "/users", nil)
	if code != 401 || body["error"].(map[string]any)["code"] != "InvalidAuthenticationToken" {
		t.Errorf("HTTP %d %v, want 401 InvalidAuthenticationToken", code, body)
	}
}
