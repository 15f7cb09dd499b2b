package tracking

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"
)

// stale fills every field of e with a value no row gives, the way an event
// of an earlier batch sits in a recycled slot.
func stale(e *Event) {
	v := reflect.ValueOf(e).Elem()
	for i := range v.NumField() {
		f := v.Field(i)
		switch f.Kind() {
		case reflect.String:
			f.SetString("stale")
		case reflect.Slice:
			f.Set(reflect.ValueOf([]string{"stale"}))
		case reflect.Int, reflect.Int64:
			f.SetInt(99)
		case reflect.Struct:
			f.Set(reflect.ValueOf(time.Date(1999, 1, 1, 0, 0, 0, 0, time.UTC)))
		default:
			panic("stale: a field of a kind it does not fill: " + v.Type().Field(i).Name)
		}
	}
}

// The parser assigns every field of an event instead of clearing its slot
// first. A field it forgot (one added to Event later, say) would show the
// previous row's value; this test fills the slots with stale values and
// compares with events parsed into fresh ones.
func TestRecordOverwritesEveryField(t *testing.T) {
	inputs := map[string]string{
		"log 2016": "#Fields: date-time,client-ip,client-hostname,server-ip,server-hostname,source-context,connector-id,source,event-id,internal-message-id,message-id,network-message-id,recipient-address,recipient-status,total-bytes,recipient-count,related-recipient-address,reference,message-subject,sender-address,return-path,message-info,directionality,tenant-id,original-client-ip,original-server-ip,custom-data,transport-traffic-type,log-id,schema-version\n" +
			benchLine + "\n" + strings.ReplaceAll(benchLine, `"FW: Contract draft, final version"`, "FW: draft") + "\n" +
			"2026-03-01T00:00:05.123Z,,,,MBX01,,,STOREDRIVER,DELIVER,,<2@contoso.com>,,a@contoso.com;b@contoso.com,250 2.1.5 OK;250 2.1.5 OK,100,2,,,Hi,c@contoso.com,c@contoso.com,,Originating,,,,,Email,,15.02.1118.007\n",
		"tracking csv": "#TYPE Microsoft.Exchange.Management.TransportLogSearchTasks.MessageTrackingEvent\n" +
			`"Timestamp","EventId","Source","Sender","Recipients","MessageSubject","MessageId","ReturnPath","RelatedRecipientAddress","Reference","TotalBytes","RecipientCount","RecipientStatus"` + "\n" +
			`"2026-03-01T00:00:05.1230000+00:00","EXPAND","ROUTING","a@contoso.com","x@partner.example;y@contoso.com","Hello","<3@contoso.com>","<>","team@contoso.com","","12","2","{250 2.1.5 RESOLVER.GRP.Expanded; distribution list expanded}"` + "\n",
		"message trace csv": `"Received","SenderAddress","RecipientAddress","Subject","Status","ToIP","FromIP","Size","MessageId","MessageTraceId"` + "\n" +
			`"2026-03-01T00:00:05.123Z","a@partner.example","team@contoso.com","Automatic reply: Hi","Expanded","","203.0.113.5","99","<4@partner.example>","1c2d"` + "\n",
		"message trace detail csv": `"Date","Event","Action","Detail","Data","MessageId"` + "\n" +
			`"2026-03-01T00:00:05.123Z","Send external","","250 2.6.0 Queued","","<5@contoso.com>"` + "\n",
	}
	parse := func(t *testing.T, text string, dirty bool) []Event {
		t.Helper()
		var st Stats
		var out []Event
		var slot Event
		h := hooks{slot: func() *Event {
			if dirty {
				stale(&slot)
			} else {
				slot = Event{}
			}
			return &slot
		}}
		err := readStream(context.Background(), strings.NewReader(text), "t.log", Options{}, &st, h, func(e *Event) error {
			out = append(out, e.Clone())
			return nil
		})
		if err != nil || st.Malformed != 0 || st.Failed != 0 {
			t.Fatalf("read: %v, %+v", err, st)
		}
		return out
	}
	for name, text := range inputs {
		t.Run(name, func(t *testing.T) {
			want, got := parse(t, text, false), parse(t, text, true)
			if len(want) == 0 || !reflect.DeepEqual(got, want) {
				t.Fatalf("parsed into stale slots:\n%+v\nwant\n%+v", got, want)
			}
		})
	}
}
