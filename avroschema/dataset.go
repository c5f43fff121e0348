package avroschema

import (
	"fmt"
	"strings"
)

// The dataset types, as the API spells them.
const (
	Interactions       = "Interactions"        // users' interactions with items
	Items              = "Items"               // item metadata
	Users              = "Users"               // user metadata
	Actions            = "Actions"             // action metadata (custom dataset groups only)
	ActionInteractions = "Action_Interactions" // users' interactions with actions (custom dataset groups only)
)

// The domains of a domain dataset group; a custom dataset group has none.
const (
	Ecommerce     = "ECOMMERCE"       // retail catalogues
	VideoOnDemand = "VIDEO_ON_DEMAND" // video streaming catalogues
)

// datasetTypes lists the dataset types in the order messages use.
var datasetTypes = []string{Interactions, Items, Users, Actions, ActionInteractions}

// domainTypes are the dataset types a domain dataset group can hold:
// Actions and Action_Interactions exist in custom dataset groups only.
var domainTypes = []string{Interactions, Items, Users}

// catRule says what a required or reserved field's categorical attribute
// must be.
type catRule int

const (
	catNever catRule = iota // a reserved plain string or a number
	catMust                 // a reserved categorical string
)

// rule is the shape a required or reserved field must have. Personalize
// documents, for each reserved keyword, its type and whether it may be
// null; a keyword documented without null must not be nullable. Reserved
// string fields are either categorical ones, which must say so, or plain
// ones, which must not.
type rule struct {
	name     string
	types    []string
	nullable bool
	cat      catRule
	textual  bool
}

func id(name string) rule { return rule{name: name, types: []string{"string"}} }

func str(name string, nullable bool) rule {
	return rule{name: name, types: []string{"string"}, nullable: nullable}
}

func category(name string, nullable bool) rule {
	return rule{name: name, types: []string{"string"}, nullable: nullable, cat: catMust}
}

func text(name string) rule {
	return rule{name: name, types: []string{"string"}, nullable: true, textual: true}
}

func long(name string, nullable bool) rule {
	return rule{name: name, types: []string{"long"}, nullable: nullable}
}

// number is a field Personalize documents as float. Avro's double carries
// every float, and Personalize reads both as the same kind of number, so
// double is accepted too.
func number(name string, nullable bool) rule {
	return rule{name: name, types: []string{"float", "double"}, nullable: nullable}
}

// spec is what one dataset type in one kind of dataset group requires.
type spec struct {
	kind     string // how messages name the schema, e.g. "ECOMMERCE Items"
	required []rule
	reserved []rule
	// minExtra is how many fields besides the required ones the schema
	// needs. Users, Items and Actions need one metadata field; any
	// non-required field counts, reserved ones included, so that the
	// default domain schemas (such as USER_ID plus SUBSCRIPTION_MODEL)
	// pass.
	minExtra int
	// maxMetadata caps the fields that are neither required nor reserved;
	// zero means no cap.
	maxMetadata int
	// maxFields caps all fields; zero means no cap.
	maxFields int
	textual   bool // whether a field may be textual
}

// Limits from Personalize's service quotas. Interactions allow 5 metadata
// columns excluding reserved fields, Users 25, Items 100, and an Actions
// dataset 10 columns in all. No quota is documented for Action_Interactions
// metadata; they get the Interactions limit of 5.
const (
	maxInteractionsMetadata       = 5
	maxUsersMetadata              = 25
	maxItemsMetadata              = 100
	maxActionsFields              = 10
	maxActionInteractionsMetadata = 5
)

// interactionsReserved are the optional reserved fields of an Interactions
// dataset other than EVENT_TYPE, which is optional in a custom dataset
// group and required in a domain one.
func interactionsReserved() []rule {
	return []rule{
		number("EVENT_VALUE", true),
		str("IMPRESSION", true),
		str("RECOMMENDATION_ID", true),
		str("EVENT_ATTRIBUTION_SOURCE", true),
	}
}

// specFor returns the rules of datasetType (any case) in a dataset group of
// domain ("" for custom, any case).
func specFor(datasetType, domain string) (*spec, error) {
	typ := ""
	for _, t := range datasetTypes {
		if strings.EqualFold(t, datasetType) {
			typ = t
		}
	}
	if typ == "" {
		return nil, schemaErr("dataset type %q is not valid; use one of %s", datasetType, strings.Join(datasetTypes, ", "))
	}
	dom, err := normDomain(domain)
	if err != nil {
		return nil, err
	}
	if dom != "" && typ != Interactions && typ != Items && typ != Users {
		return nil, schemaErr("dataset type %s is not supported in %s %s domain dataset group; use a custom dataset group", typ, article(dom), dom)
	}

	sp := &spec{kind: typ}
	if dom != "" {
		sp.kind = dom + " " + typ
	}
	switch typ {
	case Interactions:
		sp.required = []rule{id("USER_ID"), id("ITEM_ID"), long("TIMESTAMP", false)}
		eventType := str("EVENT_TYPE", false)
		if dom == "" {
			sp.reserved = append(sp.reserved, eventType)
		} else {
			sp.required = append(sp.required, eventType)
		}
		sp.reserved = append(sp.reserved, interactionsReserved()...)
		sp.maxMetadata = maxInteractionsMetadata
	case Users:
		sp.required = []rule{id("USER_ID")}
		if dom == VideoOnDemand {
			sp.reserved = []rule{category("SUBSCRIPTION_MODEL", true)}
		}
		sp.minExtra = 1
		sp.maxMetadata = maxUsersMetadata
	case Items:
		sp.textual = true
		sp.maxMetadata = maxItemsMetadata
		switch dom {
		case "":
			sp.required = []rule{id("ITEM_ID")}
			sp.reserved = []rule{long("CREATION_TIMESTAMP", false)}
			sp.minExtra = 1
		case Ecommerce:
			sp.required = []rule{id("ITEM_ID"), number("PRICE", false), category("CATEGORY_L1", false)}
			// Personalize's ECOMMERCE page lists CREATION_TIMESTAMP as
			// float while every other page, and every timestamp, uses
			// long; long is kept here for consistency.
			sp.reserved = []rule{
				category("CATEGORY_L2", true), category("CATEGORY_L3", true),
				text("PRODUCT_DESCRIPTION"), long("CREATION_TIMESTAMP", false),
				category("AGE_GROUP", true), category("ADULT", true), category("GENDER", true),
			}
		case VideoOnDemand:
			sp.required = []rule{id("ITEM_ID"), category("GENRES", false), long("CREATION_TIMESTAMP", false)}
			sp.reserved = []rule{
				number("PRICE", false), number("DURATION", false),
				category("GENRE_L2", true), category("GENRE_L3", true),
				number("AVERAGE_RATING", true), text("PRODUCT_DESCRIPTION"),
				category("CONTENT_OWNER", true), category("CONTENT_CLASSIFICATION", true),
			}
		}
	case Actions:
		// Only the reserved keywords Personalize documents with a name
		// and type are kept: CREATION_TIMESTAMP, VALUE,
		// ACTION_EXPIRATION_TIMESTAMP and REPEAT_FREQUENCY.
		sp.required = []rule{id("ACTION_ID")}
		sp.reserved = []rule{
			long("CREATION_TIMESTAMP", false), long("VALUE", true),
			long("ACTION_EXPIRATION_TIMESTAMP", true), long("REPEAT_FREQUENCY", true),
		}
		sp.minExtra = 1
		sp.maxFields = maxActionsFields
	case ActionInteractions:
		sp.required = []rule{id("USER_ID"), id("ACTION_ID"), long("TIMESTAMP", false), str("EVENT_TYPE", false)}
		sp.reserved = []rule{str("IMPRESSION", true), str("RECOMMENDATION_ID", true)}
		sp.maxMetadata = maxActionInteractionsMetadata
	}
	return sp, nil
}

// article returns the indefinite article for a word in upper case, as
// domain names are.
func article(word string) string {
	if word != "" && strings.ContainsRune("AEIOU", rune(word[0])) {
		return "an"
	}
	return "a"
}

func normDomain(domain string) (string, error) {
	switch d := strings.ToUpper(domain); d {
	case "", Ecommerce, VideoOnDemand:
		return d, nil
	}
	return "", schemaErr("domain %q is not valid; use %s or %s, or no domain for a custom dataset group", domain, Ecommerce, VideoOnDemand)
}

// CheckDataset checks that the schema fits datasetType (case-insensitive:
// "Interactions", "Items", "Users", "Actions", "Action_Interactions") in a
// dataset group of the given domain ("" for custom, "ECOMMERCE",
// "VIDEO_ON_DEMAND", also case-insensitive).
//
// Every required field must be present, and every required or reserved
// field that is present must have its documented type, nullability and
// categorical or textual attribute. A field spelled like a required or
// reserved name in another case is rejected. Textual fields are allowed in
// Items schemas only. Users, Actions and custom Items schemas need a field
// besides their ID (domain Items schemas require more than that anyway),
// and the metadata limits of Personalize's service quotas apply.
func (s *Schema) CheckDataset(datasetType, domain string) error {
	sp, err := specFor(datasetType, domain)
	if err != nil {
		return err
	}
	return sp.check(s)
}

func (sp *spec) check(s *Schema) error {
	named := make(map[string]bool, len(sp.required)+len(sp.reserved))
	for _, rules := range [][]rule{sp.required, sp.reserved} {
		for _, r := range rules {
			named[r.name] = true
		}
	}
	for _, f := range s.Fields {
		if named[f.Name] {
			continue
		}
		if up := strings.ToUpper(f.Name); named[up] {
			return fieldErr(f.Name, "schema field %q must be spelled %q in %s schemas: reserved field names are upper case", f.Name, up, sp.kind)
		}
	}

	for _, r := range sp.required {
		f, ok := s.Field(r.name)
		if !ok {
			return fieldErr(r.name, "%s schema requires field %q", sp.kind, r.name)
		}
		if err := r.check(sp, f); err != nil {
			return err
		}
	}
	for _, r := range sp.reserved {
		if f, ok := s.Field(r.name); ok {
			if err := r.check(sp, f); err != nil {
				return err
			}
		}
	}

	if !sp.textual {
		for _, f := range s.Fields {
			if f.Textual {
				return fieldErr(f.Name, "schema field %q is textual, but textual fields are only allowed in Items schemas, not %s schemas", f.Name, sp.kind)
			}
		}
	}

	if extra := len(s.Fields) - len(sp.required); extra < sp.minExtra {
		ids := make([]string, len(sp.required))
		for i, r := range sp.required {
			ids[i] = r.name
		}
		return schemaErr("%s schema requires at least one metadata field besides %s", sp.kind, strings.Join(ids, ", "))
	}
	metadata := 0
	for _, f := range s.Fields {
		if !named[f.Name] {
			metadata++
		}
	}
	if sp.maxMetadata > 0 && metadata > sp.maxMetadata {
		return schemaErr("%s schema has %d metadata fields, more than the limit of %d (required and reserved fields do not count)", sp.kind, metadata, sp.maxMetadata)
	}
	if sp.maxFields > 0 && len(s.Fields) > sp.maxFields {
		return schemaErr("%s schema has %d fields, more than the limit of %d", sp.kind, len(s.Fields), sp.maxFields)
	}
	return nil
}

func (r rule) check(sp *spec, f Field) error {
	typeOK := false
	for _, t := range r.types {
		typeOK = typeOK || t == f.Type
	}
	switch {
	case !typeOK:
		return fieldErr(f.Name, "schema field %q must be of type %s, not %s", f.Name, strings.Join(r.types, " or "), f.Type)
	case f.Nullable && !r.nullable:
		return fieldErr(f.Name, "schema field %q cannot be nullable in %s schemas; declare its type as %q without \"null\"", f.Name, sp.kind, f.Type)
	case r.cat == catMust && !f.Categorical:
		return fieldErr(f.Name, "schema field %q must be categorical in %s schemas; add \"categorical\": true", f.Name, sp.kind)
	case r.cat == catNever && f.Categorical:
		return fieldErr(f.Name, "schema field %q cannot be categorical in %s schemas; remove \"categorical\": true", f.Name, sp.kind)
	case r.textual && !f.Textual:
		return fieldErr(f.Name, "schema field %q must be textual in %s schemas; add \"textual\": true", f.Name, sp.kind)
	case !r.textual && f.Textual:
		return fieldErr(f.Name, "schema field %q cannot be textual in %s schemas; remove \"textual\": true", f.Name, sp.kind)
	}
	return nil
}

// CheckDomain checks what can be checked when a schema is created with a
// domain but no dataset type yet (CreateSchema's domain member): the schema
// must fit at least one dataset type of that domain, that is Interactions,
// Items or Users. It returns nil for "".
//
// When the schema fits none, the error explains why it does not fit the
// type its ID fields suggest: Interactions when it has both USER_ID and
// ITEM_ID, Items when it has ITEM_ID, Users when it has USER_ID.
func CheckDomain(s *Schema, domain string) error {
	dom, err := normDomain(domain)
	if err != nil || dom == "" {
		return err
	}
	if s == nil {
		return schemaErr("schema is missing")
	}
	errs := make([]error, len(domainTypes))
	for i, t := range domainTypes {
		if errs[i] = s.CheckDataset(t, dom); errs[i] == nil {
			return nil
		}
	}
	_, user := s.Field("USER_ID")
	_, item := s.Field("ITEM_ID")
	guess := 0
	switch {
	case user && item:
		guess = 0
	case item:
		guess = 1
	case user:
		guess = 2
	default:
		return schemaErr("schema fits no dataset type of the %s domain: it needs a USER_ID field, an ITEM_ID field, or both", dom)
	}
	e := errs[guess].(*Error)
	return &Error{Field: e.Field, Reason: fmt.Sprintf("schema fits no dataset type of the %s domain; for %s: %s", dom, domainTypes[guess], e.Reason)}
}
