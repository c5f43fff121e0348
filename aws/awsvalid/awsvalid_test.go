package awsvalid

import (
	"regexp"
	"testing"
)

func TestValidator(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		v := &Validator{}
		v.MinLen("name", "ab", false, 1)
		v.Match("name", "ab", false, regexp.MustCompile(`^(?:[a-z]+)$`), "[a-z]+")
		if err := v.Err(); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("ErrWording", func(t *testing.T) {
		v := &Validator{}
		v.Null(Join("", "name"))
		v.MaxLen(Join("tags", "tagKey"), "toolong", false, 3)
		v.OneOf("domain", "RETAIL", false, []string{"ECOMMERCE", "VIDEO_ON_DEMAND"})
		v.MaxInt("maxResults", 101, false, 100)
		v.MinCount(ElemPath("list", 0), []string{}, 0, true, 1)
		want := "5 validation errors detected: Value null at 'name' failed to satisfy constraint: Member must not be null; " +
			"Value 'toolong' at 'tags.tagKey' failed to satisfy constraint: Member must have length less than or equal to 3; " +
			"Value 'RETAIL' at 'domain' failed to satisfy constraint: Member must satisfy enum value set: [ECOMMERCE, VIDEO_ON_DEMAND]; " +
			"Value '101' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 100; " +
			"Value '***' at 'list.1.member' failed to satisfy constraint: Member must have length greater than or equal to 1"
		if err := v.Err(); err == nil || err.Error() != want {
			t.Fatalf("got  %v\nwant %s", err, want)
		}
	})
}
