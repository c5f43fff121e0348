package blob

// SetMultipart lowers the multipart upload threshold and part size for a
// test and returns a function restoring them.
func SetMultipart(threshold, partSize int64) (restore func()) {
	t, p := multipartThreshold, multipartPartSize
	multipartThreshold, multipartPartSize = threshold, partSize
	return func() { multipartThreshold, multipartPartSize = t, p }
}
