// Package store is ddokso's MySQL layer: connection setup, versioned
// migrations embedded in the binary (goose), the processed-message table
// that makes handlers idempotent, and the transactional outbox with its relay.
package store
