package personalize

// The three wire-contract packages are generated together from the botocore
// models of the shared spec checkout.
//go:generate go run ../internal/awsgen -spec ../../../shared/spec/botocore -out ..
