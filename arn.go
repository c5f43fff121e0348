package perso

import (
	"fmt"
	"strings"
)

// ARN is a parsed Personalize Amazon Resource Name:
// arn:<partition>:personalize:<region>:<account>:<type>/<id>.
type ARN struct {
	Partition string
	Region    string
	Account   string
	Type      ResourceType
	// ID is everything after the first slash of the resource part: a name,
	// or for a dataset "<datasetGroupName>/<TYPE>".
	ID string
}

// String formats the ARN.
func (a ARN) String() string {
	return fmt.Sprintf("arn:%s:personalize:%s:%s:%s/%s", a.Partition, a.Region, a.Account, a.Type, a.ID)
}

// NewARN returns the ARN of a resource of type t in scope.
func NewARN(scope Scope, t ResourceType, id string) string {
	return ARN{Partition: "aws", Region: scope.Region, Account: scope.Account, Type: t, ID: id}.String()
}

// ParseARN parses s as a Personalize ARN. It answers an Invalid error that
// names the ARN when s is not one.
func ParseARN(s string) (ARN, error) {
	parts := strings.SplitN(s, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[1] == "" || parts[2] != "personalize" {
		return ARN{}, Errorf(KindInvalid, "%q is not a valid Amazon Personalize ARN", s)
	}
	typ, id, ok := strings.Cut(parts[5], "/")
	if !ok || typ == "" || id == "" {
		return ARN{}, Errorf(KindInvalid, "%q is not a valid Amazon Personalize ARN: its resource part has no type and name", s)
	}
	return ARN{Partition: parts[1], Region: parts[3], Account: parts[4], Type: ResourceType(typ), ID: id}, nil
}
