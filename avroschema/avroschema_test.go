package avroschema

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// schema builds a schema body from field declarations.
func schema(fields ...string) string {
	return `{"type": "record", "name": "Test", "namespace": "com.amazonaws.personalize.schema", "fields": [` +
		strings.Join(fields, ", ") + `], "version": "1.0"}`
}

// Canonical schemas, one per dataset type and domain, shaped like the
// examples Personalize publishes.
var (
	customInteractions = `{
  "type": "record",
  "name": "Interactions",
  "namespace": "com.amazonaws.personalize.schema",
  "fields": [
    {"name": "USER_ID", "type": "string"},
    {"name": "ITEM_ID", "type": "string"},
    {"name": "TIMESTAMP", "type": "long"},
    {"name": "EVENT_TYPE", "type": "string"},
    {"name": "EVENT_VALUE", "type": ["null", "float"]},
    {"name": "IMPRESSION", "type": ["null", "string"]},
    {"name": "RECOMMENDATION_ID", "type": ["null", "string"]},
    {"name": "EVENT_ATTRIBUTION_SOURCE", "type": ["null", "string"]},
    {"name": "DEVICE", "type": ["null", "string"], "categorical": true}
  ],
  "version": "1.0"
}`
	customUsers = `{
  "type": "record",
  "name": "Users",
  "namespace": "com.amazonaws.personalize.schema",
  "fields": [
    {"name": "USER_ID", "type": "string"},
    {"name": "AGE", "type": "int"},
    {"name": "GENDER", "type": "string", "categorical": true}
  ],
  "version": "1.0"
}`
	customItems = `{
  "type": "record",
  "name": "Items",
  "namespace": "com.amazonaws.personalize.schema",
  "fields": [
    {"name": "ITEM_ID", "type": "string"},
    {"name": "GENRES", "type": ["null", "string"], "categorical": true},
    {"name": "DESCRIPTION", "type": ["null", "string"], "textual": true},
    {"name": "CREATION_TIMESTAMP", "type": "long"}
  ],
  "version": "1.0"
}`
	customActions = `{
  "type": "record",
  "name": "Actions",
  "namespace": "com.amazonaws.personalize.schema",
  "fields": [
    {"name": "ACTION_ID", "type": "string"},
    {"name": "VALUE", "type": ["null", "long"]},
    {"name": "MEMBERSHIP_LEVEL", "type": ["null", "string"], "categorical": true},
    {"name": "CREATION_TIMESTAMP", "type": "long"},
    {"name": "REPEAT_FREQUENCY", "type": ["long", "null"]},
    {"name": "ACTION_EXPIRATION_TIMESTAMP", "type": ["null", "long"]}
  ],
  "version": "1.0"
}`
	customActionInteractions = `{
  "type": "record",
  "name": "ActionInteractions",
  "namespace": "com.amazonaws.personalize.schema",
  "fields": [
    {"name": "USER_ID", "type": "string"},
    {"name": "ACTION_ID", "type": "string"},
    {"name": "EVENT_TYPE", "type": "string"},
    {"name": "TIMESTAMP", "type": "long"},
    {"name": "IMPRESSION", "type": ["null", "string"]}
  ],
  "version": "1.0"
}`
	domainInteractions = `{
  "type": "record",
  "name": "Interactions",
  "namespace": "com.amazonaws.personalize.schema",
  "fields": [
    {"name": "USER_ID", "type": "string"},
    {"name": "ITEM_ID", "type": "string"},
    {"name": "TIMESTAMP", "type": "long"},
    {"name": "EVENT_TYPE", "type": "string"},
    {"name": "EVENT_VALUE", "type": ["null", "double"]}
  ],
  "version": "1.0"
}`
	ecommerceItems = `{
  "type": "record",
  "name": "Items",
  "namespace": "com.amazonaws.personalize.schema",
  "fields": [
    {"name": "ITEM_ID", "type": "string"},
    {"name": "PRICE", "type": "float"},
    {"name": "CATEGORY_L1", "type": ["string"], "categorical": true},
    {"name": "CATEGORY_L2", "type": ["null", "string"], "categorical": true},
    {"name": "PRODUCT_DESCRIPTION", "type": ["null", "string"], "textual": true},
    {"name": "GENDER", "type": ["null", "string"], "categorical": true},
    {"name": "CREATION_TIMESTAMP", "type": "long"}
  ],
  "version": "1.0"
}`
	vodItems = `{
  "type": "record",
  "name": "Items",
  "namespace": "com.amazonaws.personalize.schema",
  "fields": [
    {"name": "ITEM_ID", "type": "string"},
    {"name": "GENRES", "type": ["string"], "categorical": true},
    {"name": "CREATION_TIMESTAMP", "type": "long"},
    {"name": "AVERAGE_RATING", "type": ["null", "float"]},
    {"name": "CONTENT_OWNER", "type": ["null", "string"], "categorical": true},
    {"name": "PRODUCT_DESCRIPTION", "type": ["null", "string"], "textual": true}
  ],
  "version": "1.0"
}`
	vodUsers = `{
  "type": "record",
  "name": "Users",
  "namespace": "com.amazonaws.personalize.schema",
  "fields": [
    {"name": "USER_ID", "type": "string"},
    {"name": "SUBSCRIPTION_MODEL", "type": ["null", "string"], "categorical": true}
  ],
  "version": "1.0"
}`
)

func mustParse(t *testing.T, body string) *Schema {
	t.Helper()
	s, err := Parse(body)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return s
}

func wantErr(t *testing.T, err error, want string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want one containing %q", want)
	}
	if !strings.Contains(err.Error(), want) {
		t.Fatalf("got error %q, want one containing %q", err, want)
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %q is a %T, not an *Error", err, err)
	}
}

func TestParse(t *testing.T) {
	ok := []struct {
		name string
		body string
		want []Field
	}{
		{"OKCanonical", customInteractions, nil},
		{"OKMinimal", `{"type":"record","name":"r","fields":[{"name":"a","type":"string"}]}`,
			[]Field{{Name: "a", Type: "string"}}},
		{"OKNullFirst", schema(`{"name":"A","type":["null","long"]}`),
			[]Field{{Name: "A", Type: "long", Nullable: true}}},
		{"OKNullLast", schema(`{"name":"A","type":["double","null"]}`),
			[]Field{{Name: "A", Type: "double", Nullable: true}}},
		{"OKSingleBranchUnion", schema(`{"name":"A","type":["string"],"categorical":true}`),
			[]Field{{Name: "A", Type: "string", Categorical: true}}},
		{"OKTypeObject", schema(`{"name":"A","type":{"type":"boolean"}}`),
			[]Field{{Name: "A", Type: "boolean"}}},
		{"OKTypeObjectInUnion", schema(`{"name":"A","type":["null",{"type":"int"}]}`),
			[]Field{{Name: "A", Type: "int", Nullable: true}}},
		{"OKNullObjectInUnion", schema(`{"name":"A","type":["string",{"type":"null"}]}`),
			[]Field{{Name: "A", Type: "string", Nullable: true}}},
		{"OKTextual", schema(`{"name":"A","type":"string","textual":true}`),
			[]Field{{Name: "A", Type: "string", Textual: true}}},
		{"OKFalseAttributes", schema(`{"name":"A","type":"int","categorical":false,"textual":false}`),
			[]Field{{Name: "A", Type: "int"}}},
		{"OKDefaults", schema(
			`{"name":"A","type":["null","string"],"default":null}`,
			`{"name":"B","type":"int","default":3}`,
			`{"name":"C","type":"float","default":1.5}`,
			`{"name":"D","type":"boolean","default":true}`,
			`{"name":"E","type":["null","long"],"default":9007199254740993}`),
			[]Field{{Name: "A", Type: "string", Nullable: true}, {Name: "B", Type: "int"},
				{Name: "C", Type: "float"}, {Name: "D", Type: "boolean"}, {Name: "E", Type: "long", Nullable: true}}},
		{"OKExtraMembers", `{"type":"record","name":"a.b.R","doc":"x","fields":[{"name":"_a1","type":"string","doc":"y","order":"ascending"}]}`,
			[]Field{{Name: "_a1", Type: "string"}}},
		{"OKNoNamespace", `{"type":"record","name":"R","fields":[{"name":"A","type":"long"}]}`, nil},
	}
	for _, tc := range ok {
		t.Run(tc.name, func(t *testing.T) {
			s := mustParse(t, tc.body)
			if tc.want == nil {
				return
			}
			if fmt.Sprint(s.Fields) != fmt.Sprint(tc.want) {
				t.Errorf("fields = %+v, want %+v", s.Fields, tc.want)
			}
		})
	}

	long := strings.Repeat("A", 151)
	many := make([]string, maxFields+1)
	for i := range many {
		many[i] = fmt.Sprintf(`{"name":"F%d","type":"int"}`, i)
	}
	bad := []struct {
		name string
		body string
		want string
	}{
		{"ErrNotJSON", `{"type":`, "not valid JSON"},
		{"ErrTrailing", customUsers + ` {}`, "single JSON object"},
		{"ErrNotObject", `[1]`, "JSON object"},
		{"ErrNoType", `{"name":"R","fields":[{"name":"A","type":"int"}]}`, `"type": "record"`},
		{"ErrTypeNotRecord", `{"type":"enum","name":"R","fields":[]}`, `must be "record", not "enum"`},
		{"ErrTypeNotString", `{"type":1,"name":"R","fields":[]}`, `the string "record"`},
		{"ErrNoName", `{"type":"record","fields":[{"name":"A","type":"int"}]}`, `must have a "name"`},
		{"ErrEmptyName", `{"type":"record","name":"","fields":[{"name":"A","type":"int"}]}`, "non-empty string"},
		{"ErrBadName", `{"type":"record","name":"9x","fields":[{"name":"A","type":"int"}]}`, "not a valid Avro name"},
		{"ErrNamespace", `{"type":"record","name":"R","namespace":3,"fields":[{"name":"A","type":"int"}]}`, `"namespace" must be a string`},
		{"ErrVersion", `{"type":"record","name":"R","version":1,"fields":[{"name":"A","type":"int"}]}`, `"version" must be a string`},
		{"ErrNoFields", `{"type":"record","name":"R"}`, `"fields" array`},
		{"ErrFieldsNotArray", `{"type":"record","name":"R","fields":{}}`, `"fields" must be an array`},
		{"ErrEmptyFields", schema(), "at least one field"},
		{"ErrTooManyFields", schema(many...), "more than the limit of 1000"},
		{"ErrFieldNotObject", schema(`"A"`), "field #1 must be a JSON object"},
		{"ErrFieldNoName", schema(`{"type":"int"}`), `field #1 must have a "name"`},
		{"ErrFieldNameNotString", schema(`{"name":1,"type":"int"}`), `field #1 "name" must be a non-empty string`},
		{"ErrFieldNameInvalid", schema(`{"name":"A-B","type":"int"}`), `schema field name "A-B" is not a valid Avro name`},
		{"ErrFieldNameDigit", schema(`{"name":"1A","type":"int"}`), `"1A" is not a valid Avro name`},
		{"ErrFieldNameLong", schema(`{"name":"` + long + `","type":"int"}`), "longer than 150 characters"},
		{"ErrFieldNoType", schema(`{"name":"A"}`), `schema field "A" must have a "type"`},
		{"ErrTypeUnknown", schema(`{"name":"A","type":"uuid"}`), `schema field "A" has unknown type "uuid"`},
		{"ErrTypeBytes", schema(`{"name":"A","type":"bytes"}`), `schema field "A" has type bytes, which is not supported`},
		{"ErrTypeNull", schema(`{"name":"A","type":"null"}`), `schema field "A" cannot be only null`},
		{"ErrTypeObjectNull", schema(`{"name":"A","type":{"type":"null"}}`), `schema field "A" cannot be only null`},
		{"ErrTypeObjectUnknown", schema(`{"name":"A","type":{"type":"Thing"}}`), `schema field "A" has unknown type "Thing"`},
		{"ErrTypeObjectNoType", schema(`{"name":"A","type":{"items":"int"}}`), `schema field "A" has an invalid type`},
		{"ErrTypeNumber", schema(`{"name":"A","type":5}`), `schema field "A" has an invalid type`},
		{"ErrNestedRecord", schema(`{"name":"A","type":{"type":"record","name":"N","fields":[]}}`), `schema field "A" has type record, but nested types are not supported`},
		{"ErrNestedArray", schema(`{"name":"A","type":{"type":"array","items":"string"}}`), "nested types are not supported"},
		{"ErrNestedMap", schema(`{"name":"A","type":["null",{"type":"map","values":"int"}]}`), "nested types are not supported"},
		{"ErrNestedEnum", schema(`{"name":"A","type":"enum"}`), "nested types are not supported"},
		{"ErrNestedFixed", schema(`{"name":"A","type":{"type":"fixed","size":4,"name":"F"}}`), "nested types are not supported"},
		{"ErrUnionTwoTypes", schema(`{"name":"A","type":["string","int"]}`), `union of string and int`},
		{"ErrUnionThree", schema(`{"name":"A","type":["null","string","int"]}`), `may only combine "null" with one type`},
		{"ErrUnionOnlyNull", schema(`{"name":"A","type":["null"]}`), "cannot be only null"},
		{"ErrUnionTwoNulls", schema(`{"name":"A","type":["null","null","string"]}`), `"null" more than once`},
		{"ErrUnionEmpty", schema(`{"name":"A","type":[]}`), "empty union"},
		{"ErrDuplicate", schema(`{"name":"A","type":"int"}`, `{"name":"A","type":"int"}`), `schema field "A" is declared more than once`},
		{"ErrDuplicateCase", schema(`{"name":"Age","type":"int"}`, `{"name":"AGE","type":"int"}`), `schema field "AGE" differs from field "Age" only in case`},
		{"ErrReservedCase", schema(`{"name":"user_id","type":"string"}`), `schema field "user_id" must be spelled "USER_ID"`},
		{"ErrCategoricalNotBool", schema(`{"name":"A","type":"string","categorical":"yes"}`), `attribute "categorical" must be true or false`},
		{"ErrTextualNotBool", schema(`{"name":"A","type":"string","textual":1}`), `attribute "textual" must be true or false`},
		{"ErrCategoricalNotString", schema(`{"name":"PRICE","type":"float","categorical":true}`), `schema field "PRICE" is categorical but categorical is only allowed on string fields`},
		{"ErrTextualNotString", schema(`{"name":"A","type":["null","int"],"textual":true}`), `schema field "A" is textual but textual is only allowed on string fields`},
		{"ErrCategoricalAndTextual", schema(`{"name":"A","type":"string","categorical":true,"textual":true}`), "cannot be both categorical and textual"},
		{"ErrTwoTextual", schema(`{"name":"A","type":"string","textual":true}`, `{"name":"B","type":"string","textual":true}`), "at most one textual field"},
		{"ErrDefaultNull", schema(`{"name":"A","type":"string","default":null}`), "null default but is not nullable"},
		{"ErrDefaultType", schema(`{"name":"A","type":"long","default":"x"}`), "not a valid long value"},
		{"ErrDefaultIntRange", schema(`{"name":"A","type":"int","default":3000000000}`), "not a valid int value"},
		{"ErrDefaultFraction", schema(`{"name":"A","type":"long","default":1.5}`), "not a valid long value"},
		{"ErrDefaultFloatRange", schema(`{"name":"A","type":"float","default":1e300}`), "not a valid float value"},
		{"ErrDefaultBool", schema(`{"name":"A","type":"boolean","default":0}`), "not a valid boolean value"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Parse(tc.body)
			if s != nil {
				t.Errorf("got schema %+v with the error", s)
			}
			wantErr(t, err, tc.want)
		})
	}
}

func TestSchemaField(t *testing.T) {
	s := mustParse(t, customUsers)
	if f, ok := s.Field("AGE"); !ok || f.Type != "int" {
		t.Errorf("Field(AGE) = %+v, %v", f, ok)
	}
	if _, ok := s.Field("age"); ok {
		t.Error("Field is not exact: found age")
	}
	if s.Name != "Users" || s.Namespace != "com.amazonaws.personalize.schema" {
		t.Errorf("name, namespace = %q, %q", s.Name, s.Namespace)
	}
}

func TestCheckDataset(t *testing.T) {
	ok := []struct {
		name, body, typ, domain string
	}{
		{"OKInteractions", customInteractions, "Interactions", ""},
		{"OKInteractionsLowerCase", customInteractions, "interactions", ""},
		{"OKInteractionsMinimal", schema(`{"name":"USER_ID","type":"string"}`, `{"name":"ITEM_ID","type":"string"}`, `{"name":"TIMESTAMP","type":"long"}`), "Interactions", ""},
		{"OKUsers", customUsers, "Users", ""},
		{"OKUsersNonCategoricalString", schema(`{"name":"USER_ID","type":"string"}`, `{"name":"NAME","type":"string"}`), "USERS", ""},
		{"OKItems", customItems, "Items", ""},
		{"OKItemsReservedOnly", schema(`{"name":"ITEM_ID","type":"string"}`, `{"name":"CREATION_TIMESTAMP","type":"long"}`), "Items", ""},
		{"OKActions", customActions, "Actions", ""},
		{"OKActionInteractions", customActionInteractions, "Action_Interactions", ""},
		{"OKActionInteractionsCase", customActionInteractions, "ACTION_INTERACTIONS", ""},
		{"OKEcommerceInteractions", domainInteractions, "Interactions", "ECOMMERCE"},
		{"OKEcommerceItems", ecommerceItems, "Items", "ECOMMERCE"},
		{"OKEcommerceItemsDouble", schema(`{"name":"ITEM_ID","type":"string"}`, `{"name":"PRICE","type":"double"}`, `{"name":"CATEGORY_L1","type":"string","categorical":true}`), "Items", "ECOMMERCE"},
		{"OKEcommerceUsers", customUsers, "Users", "ECOMMERCE"},
		{"OKVODInteractions", domainInteractions, "Interactions", "VIDEO_ON_DEMAND"},
		{"OKVODItems", vodItems, "Items", "VIDEO_ON_DEMAND"},
		{"OKVODUsers", vodUsers, "Users", "VIDEO_ON_DEMAND"},
		{"OKDomainLowerCase", vodUsers, "users", "video_on_demand"},
		{"OKCustomItemsLowerPrice", schema(`{"name":"ITEM_ID","type":"string"}`, `{"name":"price","type":"float"}`), "Items", ""},
	}
	for _, tc := range ok {
		t.Run(tc.name, func(t *testing.T) {
			if err := mustParse(t, tc.body).CheckDataset(tc.typ, tc.domain); err != nil {
				t.Fatal(err)
			}
		})
	}

	uid := `{"name":"USER_ID","type":"string"}`
	iid := `{"name":"ITEM_ID","type":"string"}`
	aid := `{"name":"ACTION_ID","type":"string"}`
	ts := `{"name":"TIMESTAMP","type":"long"}`
	et := `{"name":"EVENT_TYPE","type":"string"}`
	meta := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf(`{"name":"M%d","type":"int"}`, i)
		}
		return out
	}
	with := func(fixed []string, more ...string) string { return schema(append(fixed, more...)...) }
	bad := []struct {
		name, body, typ, domain, want string
	}{
		{"ErrUnknownType", customUsers, "Customers", "", `dataset type "Customers" is not valid; use one of Interactions, Items, Users, Actions, Action_Interactions`},
		{"ErrUnknownDomain", customUsers, "Users", "RETAIL", `domain "RETAIL" is not valid`},
		{"ErrActionsInDomain", customActions, "Actions", "VIDEO_ON_DEMAND", "dataset type Actions is not supported in a VIDEO_ON_DEMAND domain dataset group"},
		{"ErrActionInteractionsInDomain", customActionInteractions, "Action_Interactions", "ECOMMERCE", "dataset type Action_Interactions is not supported in an ECOMMERCE domain dataset group"},

		// Interactions.
		{"ErrInteractionsNoItem", schema(uid, ts), "Interactions", "", `Interactions schema requires field "ITEM_ID"`},
		{"ErrInteractionsNoUser", schema(iid, ts), "Interactions", "", `Interactions schema requires field "USER_ID"`},
		{"ErrInteractionsNoTimestamp", schema(uid, iid), "Interactions", "", `Interactions schema requires field "TIMESTAMP"`},
		{"ErrTimestampType", schema(uid, iid, `{"name":"TIMESTAMP","type":"string"}`), "Interactions", "", `schema field "TIMESTAMP" must be of type long, not string`},
		{"ErrUserIDType", schema(`{"name":"USER_ID","type":"int"}`, iid, ts), "Interactions", "", `schema field "USER_ID" must be of type string, not int`},
		{"ErrUserIDNullable", schema(`{"name":"USER_ID","type":["null","string"]}`, iid, ts), "Interactions", "", `schema field "USER_ID" cannot be nullable in Interactions schemas`},
		{"ErrTimestampNullable", schema(uid, iid, `{"name":"TIMESTAMP","type":["null","long"]}`), "Interactions", "", `schema field "TIMESTAMP" cannot be nullable`},
		{"ErrIDCategorical", schema(uid, `{"name":"ITEM_ID","type":"string","categorical":true}`, ts), "Interactions", "", `schema field "ITEM_ID" cannot be categorical in Interactions schemas`},
		{"ErrEventTypeType", schema(uid, iid, ts, `{"name":"EVENT_TYPE","type":"int"}`), "Interactions", "", `schema field "EVENT_TYPE" must be of type string, not int`},
		{"ErrEventTypeCategorical", schema(uid, iid, ts, `{"name":"EVENT_TYPE","type":"string","categorical":true}`), "Interactions", "", `schema field "EVENT_TYPE" cannot be categorical`},
		{"ErrEventValueType", schema(uid, iid, ts, `{"name":"EVENT_VALUE","type":"long"}`), "Interactions", "", `schema field "EVENT_VALUE" must be of type float or double, not long`},
		{"ErrImpressionType", schema(uid, iid, ts, `{"name":"IMPRESSION","type":"int"}`), "Interactions", "", `schema field "IMPRESSION" must be of type string, not int`},
		{"ErrRecommendationIDType", schema(uid, iid, ts, `{"name":"RECOMMENDATION_ID","type":"long"}`), "Interactions", "", `schema field "RECOMMENDATION_ID" must be of type string`},
		{"ErrAttributionSourceType", schema(uid, iid, ts, `{"name":"EVENT_ATTRIBUTION_SOURCE","type":"boolean"}`), "Interactions", "", `schema field "EVENT_ATTRIBUTION_SOURCE" must be of type string`},
		{"ErrInteractionsTextual", schema(uid, iid, ts, `{"name":"NOTE","type":"string","textual":true}`), "Interactions", "", `schema field "NOTE" is textual, but textual fields are only allowed in Items schemas`},
		{"ErrInteractionsTooMuchMetadata", with([]string{uid, iid, ts, et, `{"name":"EVENT_VALUE","type":"float"}`}, meta(6)...), "Interactions", "", "Interactions schema has 6 metadata fields, more than the limit of 5"},

		// Users.
		{"ErrUsersNoID", schema(`{"name":"AGE","type":"int"}`), "Users", "", `Users schema requires field "USER_ID"`},
		{"ErrUsersNoMetadata", schema(uid), "Users", "", "Users schema requires at least one metadata field besides USER_ID"},
		{"ErrUsersTextual", schema(uid, `{"name":"BIO","type":"string","textual":true}`), "Users", "", `schema field "BIO" is textual, but textual fields are only allowed in Items schemas`},
		{"ErrUsersTooMuchMetadata", with([]string{uid}, meta(26)...), "Users", "", "Users schema has 26 metadata fields, more than the limit of 25"},

		// Items.
		{"ErrItemsNoID", schema(`{"name":"GENRES","type":"string","categorical":true}`), "Items", "", `Items schema requires field "ITEM_ID"`},
		{"ErrItemsNoMetadata", schema(iid), "Items", "", "Items schema requires at least one metadata field besides ITEM_ID"},
		{"ErrItemsCreationType", schema(iid, `{"name":"CREATION_TIMESTAMP","type":"int"}`), "Items", "", `schema field "CREATION_TIMESTAMP" must be of type long, not int`},
		{"ErrItemsIDTextual", schema(`{"name":"ITEM_ID","type":"string","textual":true}`, `{"name":"A","type":"int"}`), "Items", "", `schema field "ITEM_ID" cannot be textual in Items schemas`},
		{"ErrItemsTooMuchMetadata", with([]string{iid}, meta(101)...), "Items", "", "Items schema has 101 metadata fields, more than the limit of 100"},

		// Actions.
		{"ErrActionsNoID", schema(`{"name":"VALUE","type":"long"}`), "Actions", "", `Actions schema requires field "ACTION_ID"`},
		{"ErrActionsNoMetadata", schema(aid), "Actions", "", "Actions schema requires at least one metadata field besides ACTION_ID"},
		{"ErrActionsValueType", schema(aid, `{"name":"VALUE","type":"float"}`), "Actions", "", `schema field "VALUE" must be of type long, not float`},
		{"ErrActionsExpirationType", schema(aid, `{"name":"ACTION_EXPIRATION_TIMESTAMP","type":"string"}`), "Actions", "", `schema field "ACTION_EXPIRATION_TIMESTAMP" must be of type long, not string`},
		{"ErrActionsTooManyFields", with([]string{aid}, meta(10)...), "Actions", "", "Actions schema has 11 fields, more than the limit of 10"},
		{"ErrActionsTextual", schema(aid, `{"name":"A","type":"string","textual":true}`), "Actions", "", "textual fields are only allowed in Items schemas"},

		// Action_Interactions.
		{"ErrActionInteractionsNoEventType", schema(uid, aid, ts), "Action_Interactions", "", `Action_Interactions schema requires field "EVENT_TYPE"`},
		{"ErrActionInteractionsNoAction", schema(uid, ts, et), "Action_Interactions", "", `Action_Interactions schema requires field "ACTION_ID"`},
		{"ErrActionInteractionsImpression", schema(uid, aid, ts, et, `{"name":"IMPRESSION","type":"long"}`), "Action_Interactions", "", `schema field "IMPRESSION" must be of type string, not long`},
		{"ErrActionInteractionsTooMuchMetadata", with([]string{uid, aid, ts, et}, meta(6)...), "Action_Interactions", "", "Action_Interactions schema has 6 metadata fields"},

		// Domains.
		{"ErrEcommerceInteractionsNoEventType", schema(uid, iid, ts), "Interactions", "ECOMMERCE", `ECOMMERCE Interactions schema requires field "EVENT_TYPE"`},
		{"ErrVODInteractionsNoEventType", schema(uid, iid, ts), "Interactions", "VIDEO_ON_DEMAND", `VIDEO_ON_DEMAND Interactions schema requires field "EVENT_TYPE"`},
		{"ErrEcommerceEventTypeNullable", schema(uid, iid, ts, `{"name":"EVENT_TYPE","type":["null","string"]}`), "Interactions", "ECOMMERCE", `schema field "EVENT_TYPE" cannot be nullable in ECOMMERCE Interactions schemas`},
		{"ErrEcommerceItemsNoPrice", schema(iid, `{"name":"CATEGORY_L1","type":"string","categorical":true}`), "Items", "ECOMMERCE", `ECOMMERCE Items schema requires field "PRICE"`},
		{"ErrEcommerceItemsNoCategory", schema(iid, `{"name":"PRICE","type":"float"}`), "Items", "ECOMMERCE", `ECOMMERCE Items schema requires field "CATEGORY_L1"`},
		{"ErrEcommercePriceType", schema(iid, `{"name":"PRICE","type":"string"}`, `{"name":"CATEGORY_L1","type":"string","categorical":true}`), "Items", "ECOMMERCE", `schema field "PRICE" must be of type float or double, not string`},
		{"ErrEcommerceCategoryNotCategorical", schema(iid, `{"name":"PRICE","type":"float"}`, `{"name":"CATEGORY_L1","type":"string"}`), "Items", "ECOMMERCE", `schema field "CATEGORY_L1" must be categorical in ECOMMERCE Items schemas`},
		{"ErrEcommerceCategoryL2NotCategorical", with([]string{iid, `{"name":"PRICE","type":"float"}`, `{"name":"CATEGORY_L1","type":"string","categorical":true}`}, `{"name":"CATEGORY_L2","type":"string"}`), "Items", "ECOMMERCE", `schema field "CATEGORY_L2" must be categorical`},
		{"ErrEcommerceDescriptionNotTextual", with([]string{iid, `{"name":"PRICE","type":"float"}`, `{"name":"CATEGORY_L1","type":"string","categorical":true}`}, `{"name":"PRODUCT_DESCRIPTION","type":["null","string"]}`), "Items", "ECOMMERCE", `schema field "PRODUCT_DESCRIPTION" must be textual in ECOMMERCE Items schemas`},
		{"ErrEcommercePriceCase", schema(iid, `{"name":"Price","type":"float"}`, `{"name":"CATEGORY_L1","type":"string","categorical":true}`), "Items", "ECOMMERCE", `schema field "Price" must be spelled "PRICE" in ECOMMERCE Items schemas`},
		{"ErrVODItemsNoGenres", schema(iid, `{"name":"CREATION_TIMESTAMP","type":"long"}`), "Items", "VIDEO_ON_DEMAND", `VIDEO_ON_DEMAND Items schema requires field "GENRES"`},
		{"ErrVODItemsNoCreation", schema(iid, `{"name":"GENRES","type":"string","categorical":true}`), "Items", "VIDEO_ON_DEMAND", `VIDEO_ON_DEMAND Items schema requires field "CREATION_TIMESTAMP"`},
		{"ErrVODGenresNotCategorical", schema(iid, `{"name":"GENRES","type":"string"}`, `{"name":"CREATION_TIMESTAMP","type":"long"}`), "Items", "VIDEO_ON_DEMAND", `schema field "GENRES" must be categorical`},
		{"ErrVODGenresType", schema(iid, `{"name":"GENRES","type":"int"}`, `{"name":"CREATION_TIMESTAMP","type":"long"}`), "Items", "VIDEO_ON_DEMAND", `schema field "GENRES" must be of type string, not int`},
		{"ErrVODCreationType", schema(iid, `{"name":"GENRES","type":"string","categorical":true}`, `{"name":"CREATION_TIMESTAMP","type":"double"}`), "Items", "VIDEO_ON_DEMAND", `schema field "CREATION_TIMESTAMP" must be of type long, not double`},
		{"ErrVODSubscriptionModel", schema(uid, `{"name":"SUBSCRIPTION_MODEL","type":"string"}`), "Users", "VIDEO_ON_DEMAND", `schema field "SUBSCRIPTION_MODEL" must be categorical`},
		{"ErrDomainUsersNoMetadata", schema(uid), "Users", "ECOMMERCE", "ECOMMERCE Users schema requires at least one metadata field"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			wantErr(t, mustParse(t, tc.body).CheckDataset(tc.typ, tc.domain), tc.want)
		})
	}
}

func TestCheckDomain(t *testing.T) {
	ok := []struct{ name, body, domain string }{
		{"OKCustom", customActions, ""},
		{"OKEcommerceInteractions", domainInteractions, "ECOMMERCE"},
		{"OKEcommerceItems", ecommerceItems, "ECOMMERCE"},
		{"OKEcommerceUsers", customUsers, "ECOMMERCE"},
		{"OKVODItems", vodItems, "VIDEO_ON_DEMAND"},
		{"OKVODUsers", vodUsers, "VIDEO_ON_DEMAND"},
	}
	for _, tc := range ok {
		t.Run(tc.name, func(t *testing.T) {
			if err := CheckDomain(mustParse(t, tc.body), tc.domain); err != nil {
				t.Fatal(err)
			}
		})
	}
	bad := []struct{ name, body, domain, want string }{
		{"ErrUnknownDomain", customUsers, "RETAIL", `domain "RETAIL" is not valid`},
		{"ErrActions", customActions, "ECOMMERCE", "it needs a USER_ID field, an ITEM_ID field, or both"},
		// Without its textual field this schema would fit Users: ITEM_ID
		// and TIMESTAMP are ordinary metadata there.
		{"ErrInteractions", schema(`{"name":"USER_ID","type":"string"}`, `{"name":"ITEM_ID","type":"string"}`, `{"name":"TIMESTAMP","type":"long"}`, `{"name":"NOTE","type":"string","textual":true}`), "VIDEO_ON_DEMAND",
			`schema fits no dataset type of the VIDEO_ON_DEMAND domain; for Interactions: VIDEO_ON_DEMAND Interactions schema requires field "EVENT_TYPE"`},
		{"ErrItems", customItems, "VIDEO_ON_DEMAND", `for Items: schema field "GENRES" cannot be nullable`},
		{"ErrItemsEcommerce", customItems, "ECOMMERCE", `for Items: ECOMMERCE Items schema requires field "PRICE"`},
		{"ErrUsers", schema(`{"name":"USER_ID","type":"string"}`), "ECOMMERCE", "for Users: ECOMMERCE Users schema requires at least one metadata field"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			wantErr(t, CheckDomain(mustParse(t, tc.body), tc.domain), tc.want)
		})
	}
	if err := CheckDomain(nil, "ECOMMERCE"); err == nil {
		t.Error("CheckDomain(nil) succeeded")
	}
}

var seeds = []string{
	customInteractions, customUsers, customItems, customActions, customActionInteractions,
	domainInteractions, ecommerceItems, vodItems, vodUsers,
}

func FuzzParse(f *testing.F) {
	for _, s := range seeds {
		f.Add(s)
	}
	f.Add(`{"type":"record","name":"R","fields":[{"name":"A","type":{"type":"array","items":"int"}}]}`)
	f.Add(`{"type":"record","name":"R","fields":[{"name":"A","type":["null","int"],"default":null}]}`)
	types := append(datasetTypes, "bogus")
	domains := []string{"", Ecommerce, VideoOnDemand, "bogus"}
	f.Fuzz(func(t *testing.T, body string) {
		s, err := Parse(body)
		if err != nil {
			if s != nil || err.Error() == "" {
				t.Fatalf("Parse returned %v and %q", s, err)
			}
			return
		}
		if len(s.Fields) == 0 {
			t.Fatal("Parse accepted a schema with no fields")
		}
		seen := map[string]bool{}
		textual := 0
		for _, fl := range s.Fields {
			key := strings.ToUpper(fl.Name)
			if seen[key] || !isPrimitive(fl.Type) || (fl.Categorical || fl.Textual) && fl.Type != "string" {
				t.Fatalf("Parse accepted an invalid field %+v", fl)
			}
			seen[key] = true
			if fl.Textual {
				textual++
			}
		}
		if textual > 1 {
			t.Fatal("Parse accepted two textual fields")
		}
		for _, d := range domains {
			for _, typ := range types {
				if err := s.CheckDataset(typ, d); err != nil && err.Error() == "" {
					t.Fatal("empty error message")
				}
			}
			_ = CheckDomain(s, d)
		}
	})
}
