// Package blob reads and writes whole objects at file:// and s3:// URLs.
//
// Dataset import jobs read user CSV files through it, the dataset data layer
// writes and reads its immutable Parquet segments through it, and export jobs
// write their CSV output through it. A Store returned by New routes each URL
// to the backend of its scheme:
//
//   - file:///abs/path names a file on the local file system. Objects are
//     regular files; "directories" are plain directories. Writes go to a
//     temporary file in the target directory that is fsynced and renamed into
//     place, so an object appears whole or not at all.
//   - s3://bucket/key names an object in an S3-compatible object store,
//     reached with the AWS SDK for Go v2 and static credentials.
//
// URL paths and keys are taken literally: there is no percent-decoding, and a
// file:// path must already be clean (no ".", ".." or empty segments). A URL
// ending in "/" names a "directory" prefix, which only List accepts.
//
// Missing objects are reported with errors that wrap ErrNotFound; every error
// names the operation, the URL and the cause, as in
// "open s3://b/k: bucket b does not exist".
package blob
