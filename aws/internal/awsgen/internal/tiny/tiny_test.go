package tiny

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/perso/perso/aws/awsvalid"
)

func ptr[T any](v T) *T { return &v }

func problems(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	var ve *awsvalid.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("error %T is not a *awsvalid.ValidationError", err)
	}
	return ve.Problems
}

func TestValidRequest(t *testing.T) {
	req := &PutWidgetRequest{
		WidgetName: "w-1",
		Color:      ColorLightBlue,
		Size:       ptr(int32(10)),
		Weight:     ptr(0.5),
		Labels:     map[string]string{"a": "xyz"},
		Parts:      []Part{{PartId: "p1"}},
		Grid:       [][]int32{{1, 2}, {}},
		Options:    &Options{Depth: ptr(int32(1)), Child: &Options{Token: "t"}},
	}
	if err := req.Validate(); err != nil {
		t.Fatal(err)
	}
	var nilReq *PutWidgetRequest
	if err := nilReq.Validate(); err != nil {
		t.Fatalf("nil request: %v", err)
	}
}

// TestEveryKindOfProblem breaks one constraint of each kind and checks the
// messages, their paths and their order.
func TestEveryKindOfProblem(t *testing.T) {
	req := &PutWidgetRequest{
		WidgetName: "Too Long Name",
		Color:      "blue",
		Size:       ptr(int32(0)),
		Weight:     ptr(0.25),
		Secret:     "hunter2",
		Labels:     map[string]string{"B": "ok", "b": "long"},
		Parts:      []Part{{PartId: "p1", Label: "abcd"}, {}, {PartId: "x"}, {PartId: "p4"}},
		Grid:       [][]int32{{1}, {1, 11, 3}},
		Options:    &Options{Child: &Options{Depth: ptr(int32(99))}},
	}
	want := []string{
		"Value 'Too Long Name' at 'widgetName' failed to satisfy constraint: Member must have length less than or equal to 8",
		"Value 'Too Long Name' at 'widgetName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-z][a-z0-9-]*",
		"Value 'blue' at 'color' failed to satisfy constraint: Member must satisfy enum value set: [dark-red, LIGHT_BLUE, green]",
		"Value '0' at 'size' failed to satisfy constraint: Member must have value greater than or equal to 1",
		"Value '0.25' at 'weight' failed to satisfy constraint: Member must have value greater than or equal to 0.5",
		"Value '***' at 'secret' failed to satisfy constraint: Member must have length less than or equal to 4",
		"Value 'B' at 'labels' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-z]+",
		"Value 'long' at 'labels.b' failed to satisfy constraint: Member must have length less than or equal to 3",
		"Value '[Part(...), Part(...), Part(...), Part(...)]' at 'parts' failed to satisfy constraint: Member must have length less than or equal to 3",
		"Value 'abcd' at 'parts.1.member.label' failed to satisfy constraint: Member must have length less than or equal to 3",
		"Value null at 'parts.2.member.partId' failed to satisfy constraint: Member must not be null",
		"Value '***' at 'parts.3.member.partId' failed to satisfy constraint: Member must have length greater than or equal to 2",
		"Value '[1, 11, 3]' at 'grid.2.member' failed to satisfy constraint: Member must have length less than or equal to 2",
		"Value '11' at 'grid.2.member.2.member' failed to satisfy constraint: Member must have value less than or equal to 10",
		"Value '99' at 'options.child.depth' failed to satisfy constraint: Member must have value less than or equal to 10",
	}
	err := req.Validate()
	if got := problems(t, err); !slices.Equal(got, want) {
		t.Fatalf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if !strings.HasPrefix(err.Error(), "15 validation errors detected: Value 'Too Long Name' at 'widgetName' ") ||
		!strings.Contains(err.Error(), "less than or equal to 8; Value") {
		t.Errorf("message %q", err)
	}
}

func TestMissingRequired(t *testing.T) {
	err := (&PutWidgetRequest{}).Validate()
	want := []string{
		"Value null at 'widgetName' failed to satisfy constraint: Member must not be null",
		"Value null at 'color' failed to satisfy constraint: Member must not be null",
	}
	if got := problems(t, err); !slices.Equal(got, want) {
		t.Fatalf("got %q", got)
	}
	one := (&PutWidgetRequest{Color: ColorGreen}).Validate()
	if got := one.Error(); got != "1 validation error detected: "+want[0] {
		t.Errorf("message %q", got)
	}
}

func TestEmptyListIsPresent(t *testing.T) {
	var req PutWidgetRequest
	if err := json.Unmarshal([]byte(`{"widgetName":"w","color":"green","parts":[]}`), &req); err != nil {
		t.Fatal(err)
	}
	want := []string{"Value '[]' at 'parts' failed to satisfy constraint: Member must have length greater than or equal to 1"}
	if got := problems(t, req.Validate()); !slices.Equal(got, want) {
		t.Fatalf("got %q", got)
	}
}

func TestCountsCharactersNotBytes(t *testing.T) {
	// Four runes, eight bytes: within the limit of 4.
	req := &PutWidgetRequest{WidgetName: "w", Color: ColorGreen, Secret: "ßßßß"}
	if err := req.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestOperations(t *testing.T) {
	op, ok := LookupOperation(OpListWidgets)
	if !ok || op.Method != "GET" || op.Path != "/widgets" || !op.Paginated || op.Output != "ListWidgetsResponse" {
		t.Errorf("ListWidgets: %+v %v", op, ok)
	}
	if op, ok := LookupOperation(OpPing); !ok || op.Input != "" || op.Output != "" || op.Paginated {
		t.Errorf("Ping: %+v %v", op, ok)
	}
	if _, ok := LookupOperation("Nope"); ok {
		t.Error("found an operation that does not exist")
	}
	if !slices.IsSortedFunc(Operations, func(a, b Operation) int { return strings.Compare(a.Name, b.Name) }) {
		t.Error("operations not sorted")
	}
	if ErrorHTTPStatus[ErrCodeMissingException] != 404 {
		t.Error("MissingException status")
	}
}
