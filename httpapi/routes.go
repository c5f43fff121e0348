package httpapi

import (
	"context"
	"net/http"

	"github.com/perso/perso/aws/awsjson"
	pz "github.com/perso/perso/aws/personalize"
	pzevents "github.com/perso/perso/aws/personalizeevents"
)

// controlRoutes lists every implemented control-plane operation, one line
// each. Operations of the model missing here answer NotImplementedException.
func (a *api) controlRoutes() map[string]http.Handler {
	return map[string]http.Handler{
		pz.OpCreateDatasetGroup:   control(a, a.createDatasetGroup),
		pz.OpDescribeDatasetGroup: control(a, a.describeDatasetGroup),
		pz.OpListDatasetGroups:    control(a, a.listDatasetGroups),
		pz.OpDeleteDatasetGroup:   control(a, a.deleteDatasetGroup),

		pz.OpCreateSchema:   control(a, a.createSchema),
		pz.OpDescribeSchema: control(a, a.describeSchema),
		pz.OpListSchemas:    control(a, a.listSchemas),
		pz.OpDeleteSchema:   control(a, a.deleteSchema),

		pz.OpCreateDataset:   control(a, a.createDataset),
		pz.OpDescribeDataset: control(a, a.describeDataset),
		pz.OpListDatasets:    control(a, a.listDatasets),
		pz.OpDeleteDataset:   control(a, a.deleteDataset),
		pz.OpUpdateDataset:   control(a, a.updateDataset),

		pz.OpCreateDatasetImportJob:   control(a, a.createDatasetImportJob),
		pz.OpDescribeDatasetImportJob: control(a, a.describeDatasetImportJob),
		pz.OpListDatasetImportJobs:    control(a, a.listDatasetImportJobs),

		pz.OpCreateDatasetExportJob:   control(a, a.createDatasetExportJob),
		pz.OpDescribeDatasetExportJob: control(a, a.describeDatasetExportJob),
		pz.OpListDatasetExportJobs:    control(a, a.listDatasetExportJobs),

		pz.OpCreateDataDeletionJob:   control(a, a.createDataDeletionJob),
		pz.OpDescribeDataDeletionJob: control(a, a.describeDataDeletionJob),
		pz.OpListDataDeletionJobs:    control(a, a.listDataDeletionJobs),

		pz.OpCreateEventTracker:   control(a, a.createEventTracker),
		pz.OpDescribeEventTracker: control(a, a.describeEventTracker),
		pz.OpListEventTrackers:    control(a, a.listEventTrackers),
		pz.OpDeleteEventTracker:   control(a, a.deleteEventTracker),

		pz.OpTagResource:         control(a, a.tagResource),
		pz.OpUntagResource:       control(a, a.untagResource),
		pz.OpListTagsForResource: control(a, a.listTagsForResource),
	}
}

// runtimeRoutes lists the implemented operations of the runtime API.
func (a *api) runtimeRoutes() map[string]http.Handler {
	return map[string]http.Handler{}
}

// eventsRoutes lists the implemented operations of the events API.
func (a *api) eventsRoutes() map[string]http.Handler {
	return map[string]http.Handler{
		pzevents.OpPutEvents:             rest(a, a.putEvents),
		pzevents.OpPutActionInteractions: rest(a, a.putActionInteractions),
		pzevents.OpPutItems:              rest(a, a.putItems),
		pzevents.OpPutUsers:              rest(a, a.putUsers),
		pzevents.OpPutActions:            rest(a, a.putActions),
	}
}

// control adapts a typed control-plane operation.
func control[In any, PIn interface {
	*In
	awsjson.Validator
}, Out any](a *api, fn func(context.Context, *In) (*Out, error)) http.Handler {
	return awsjson.Handle[In, PIn, Out](awsjson.ContentType, fn, a.controlError)
}

// noOutput is the output of operations whose model has none: an empty
// JSON object.
type noOutput struct{}
