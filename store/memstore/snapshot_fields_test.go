package memstore

import (
	"reflect"
	"slices"
	"testing"
)

// snapshotFields are the fields of Store and of its package-local parts that
// Snapshot and Restore handle (or deliberately skip: the lock and the
// transaction machinery hold no data). When this test fails, a field was
// added or renamed: teach snapshot.go about it, bump SnapshotVersion if the
// JSON changes incompatibly, then add the field here.
var snapshotFields = []string{
	"Store.mu", "Store.seq", "Store.tenants", "Store.spaces", "Store.staff", "Store.outbox", "Store.routing",
	"space.order", "space.ext", "space.due", "space.counts", "space.events", "space.eventIDs", "space.byNumber", "space.idem", "space.periods",
	// The numbers' stored form (slab.go, index.go): Snapshot writes each
	// number (space.number), Restore stores it anew (space.put); the rest
	// follows from them (free, dead, zones) or lives only during a search
	// (probeMu, probe).
	"space.tenant", "space.recs", "space.free", "space.arena", "space.dead", "space.zones", "space.ids", "space.probeMu", "space.probe",
	"rec.id", "rec.size", "rec.off", "rec.version", "rec.times", "rec.rank",
	"numberKey.uuid", "numberKey.upper", "instant.sec", "instant.nsec", "instant.zone", "probeKey.e164", "probeKey.ext",
	"staffData.spaces",
	"staffSpace.employees", "staffSpace.byEmail", "staffSpace.records", "staffSpace.byNumber", "staffSpace.byHolder",
	"outbox.byEvent", "outbox.queue",
	"delivery.Delivery", "delivery.leaseOwner", "delivery.leaseUntil",
	"tenantKey[github.com/numberdesk/numberdesk.EventID].tenant", "tenantKey[github.com/numberdesk/numberdesk.EventID].key",
	"routingData.settings", "routingData.blocklists",
	"storedSettings.s", "storedSettings.plan", "storedSettings.overrides",
	"storedBlocklist.b", "storedBlocklist.list",
	"Store.efax", "efaxData.creds", "efaxData.pairs", "efaxData.usernames",
	"credentialPair.tenant", "credentialPair.number", "credentialPair.staff",
	"tenantKey[github.com/numberdesk/numberdesk/efax.CredentialID].tenant",
	"tenantKey[github.com/numberdesk/numberdesk/efax.CredentialID].key",
}

// TestSnapshotCoversEveryField fails when Store grows a field that the
// snapshot does not know about (for example a new table), so that a reload
// of the reference UI never silently drops data.
func TestSnapshotCoversEveryField(t *testing.T) {
	pkg := reflect.TypeFor[Store]().PkgPath()
	var got []string
	seen := map[reflect.Type]bool{}
	var walk func(reflect.Type)
	walk = func(ty reflect.Type) {
		switch ty.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Array:
			walk(ty.Elem())
			return
		case reflect.Map:
			walk(ty.Key())
			walk(ty.Elem())
			return
		case reflect.Struct:
		default:
			return
		}
		if ty.PkgPath() != pkg || seen[ty] {
			return
		}
		seen[ty] = true
		for f := range ty.Fields() {
			got = append(got, ty.Name()+"."+f.Name)
			walk(f.Type)
		}
	}
	walk(reflect.TypeFor[Store]())
	slices.Sort(got)
	want := slices.Clone(snapshotFields)
	slices.Sort(want)
	for _, f := range got {
		if !slices.Contains(want, f) {
			t.Errorf("memstore field %s is not covered by Snapshot/Restore: add it to snapshot.go, then to snapshotFields", f)
		}
	}
	for _, f := range want {
		if !slices.Contains(got, f) {
			t.Errorf("snapshotFields lists %s, which no longer exists: update snapshot.go and the list", f)
		}
	}
}
