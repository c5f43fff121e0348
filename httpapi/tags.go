package httpapi

import (
	"context"

	pz "github.com/perso/perso/aws/personalize"
)

func (a *api) tagResource(ctx context.Context, in *pz.TagResourceRequest) (*pz.TagResourceResponse, error) {
	if err := a.svc.TagResource(ctx, scope(ctx), in.ResourceArn, tagMap(in.Tags)); err != nil {
		return nil, err
	}
	return &pz.TagResourceResponse{}, nil
}

func (a *api) untagResource(ctx context.Context, in *pz.UntagResourceRequest) (*pz.UntagResourceResponse, error) {
	if err := a.svc.UntagResource(ctx, scope(ctx), in.ResourceArn, in.TagKeys); err != nil {
		return nil, err
	}
	return &pz.UntagResourceResponse{}, nil
}

func (a *api) listTagsForResource(ctx context.Context, in *pz.ListTagsForResourceRequest) (*pz.ListTagsForResourceResponse, error) {
	tags, err := a.svc.ListTagsForResource(ctx, scope(ctx), in.ResourceArn)
	if err != nil {
		return nil, err
	}
	out := &pz.ListTagsForResourceResponse{Tags: make([]pz.Tag, 0, len(tags))}
	for _, t := range tags {
		out.Tags = append(out.Tags, pz.Tag{TagKey: t.Key, TagValue: t.Value})
	}
	return out, nil
}

// tagMap turns a request's tag list into a map; a key given twice keeps
// its last value.
func tagMap(tags []pz.Tag) map[string]string {
	if len(tags) == 0 {
		return nil
	}
	m := make(map[string]string, len(tags))
	for _, t := range tags {
		m[t.TagKey] = t.TagValue
	}
	return m
}
