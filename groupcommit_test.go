package perso_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/perso/perso"
	"github.com/perso/perso/sqlstore"
)

const usersSchema = `{"type":"record","name":"Users","namespace":"com.amazonaws.personalize.schema",
"fields":[{"name":"USER_ID","type":"string"},{"name":"AGE","type":["null","int"]}],"version":"1.0"}`

// Concurrent PutUsers calls are committed in shared transactions: every
// call that succeeded has its record stored exactly once, and a call to a
// dataset that is not ACTIVE fails alone.
func TestService_GroupCommit(t *testing.T) {
	ctx := context.Background()
	store, err := sqlstore.Open(ctx, "sqlite:"+t.TempDir()+"/perso.db")
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	svc, err := perso.NewService(ctx, store, nil, perso.Config{Synchronous: true, Quotas: perso.DefaultQuotas()})
	if err != nil {
		t.Fatal(err)
	}
	sc := perso.Scope{Account: "123456789012", Region: "us-east-1"}
	schema, err := svc.CreateSchema(ctx, sc, perso.CreateSchemaInput{Name: "u", Body: usersSchema})
	if err != nil {
		t.Fatal(err)
	}
	var datasets []string
	for _, g := range []string{"a", "b"} {
		group, err := svc.CreateDatasetGroup(ctx, sc, perso.CreateDatasetGroupInput{Name: g})
		if err != nil {
			t.Fatal(err)
		}
		ds, err := svc.CreateDataset(ctx, sc, perso.CreateDatasetInput{Name: g, GroupARN: group, DatasetType: "Users", SchemaARN: schema})
		if err != nil {
			t.Fatal(err)
		}
		datasets = append(datasets, ds)
	}
	missing := "arn:aws:personalize:us-east-1:123456789012:dataset/c/USERS"

	const callers = 64
	var wg sync.WaitGroup
	errs := make([]error, callers)
	for i := 0; i < callers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			target := datasets[i%2]
			if i%8 == 7 {
				target = missing
			}
			errs[i] = svc.PutRecords(ctx, sc, target, "Users", []perso.PutRecord{{ID: fmt.Sprintf("u%d", i), Properties: `{"age":1}`}})
		}()
	}
	wg.Wait()
	want := map[string]int{}
	for i, err := range errs {
		if i%8 == 7 {
			if !perso.IsKind(err, perso.KindNotFound) {
				t.Fatalf("call %d to a missing dataset: %v", i, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
		want[datasets[i%2]]++
	}
	for _, ds := range datasets {
		rows, err := svc.DatasetRows(ctx, sc, ds, 0, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != want[ds] {
			t.Fatalf("%s holds %d rows, want %d", ds, len(rows), want[ds])
		}
	}
}
