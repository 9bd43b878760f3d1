package transforms

import "testing"

func TestFilter(t *testing.T) {
	ktSpecJSON(t, filterClass, `[]`)
	tr := ktNewTransformation(t, filterClass, map[string]string{"unknown": "ignored"})
	if out := ktMustApply(t, tr, ktSinkRecord(nil, "k", nil, "v")); out != nil {
		t.Errorf("Filter kept %+v", out)
	}
}
