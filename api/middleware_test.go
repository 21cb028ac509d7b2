package api

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

type ctxKey struct{}

// TestDeadlineCtxActsLikeWithDeadline holds the timeout middleware's lazy
// deadline context to context.WithDeadline: values, deadline, expiry,
// parent cancellation, stop, children and Cause.
func TestDeadlineCtxActsLikeWithDeadline(t *testing.T) {
	t.Parallel()
	parent := context.WithValue(context.Background(), ctxKey{}, "v")

	t.Run("values and deadline without arming", func(t *testing.T) {
		t.Parallel()
		d := time.Now().Add(time.Hour)
		c := &deadlineCtx{Context: parent, deadline: d}
		require.Equal(t, "v", c.Value(ctxKey{}))
		got, ok := c.Deadline()
		require.True(t, ok)
		require.Equal(t, d, got)
		c.stop()
		require.Nil(t, c.cancel, "never armed")
		require.ErrorIs(t, c.Err(), context.Canceled)
		<-c.Done()
		require.ErrorIs(t, context.Cause(c), context.Canceled)
	})

	t.Run("parent deadline earlier", func(t *testing.T) {
		t.Parallel()
		pd := time.Now().Add(time.Minute)
		p, cancel := context.WithDeadline(parent, pd)
		defer cancel()
		c := &deadlineCtx{Context: p, deadline: time.Now().Add(time.Hour)}
		defer c.stop()
		got, _ := c.Deadline()
		require.Equal(t, pd, got)
	})

	t.Run("expires", func(t *testing.T) {
		t.Parallel()
		c := &deadlineCtx{Context: parent, deadline: time.Now().Add(20 * time.Millisecond)}
		defer c.stop()
		require.NoError(t, c.Err())
		<-c.Done()
		require.ErrorIs(t, c.Err(), context.DeadlineExceeded)
		require.ErrorIs(t, context.Cause(c), context.DeadlineExceeded)
		child, cancel := context.WithCancel(c)
		defer cancel()
		<-child.Done()
		require.ErrorIs(t, child.Err(), context.DeadlineExceeded)
	})

	t.Run("past deadline", func(t *testing.T) {
		t.Parallel()
		c := &deadlineCtx{Context: parent, deadline: time.Now().Add(-time.Second)}
		require.ErrorIs(t, c.Err(), context.DeadlineExceeded)
		c.stop()
		require.ErrorIs(t, c.Err(), context.DeadlineExceeded)
		stopped := &deadlineCtx{Context: parent, deadline: time.Now().Add(-time.Second)}
		stopped.stop()
		require.ErrorIs(t, stopped.Err(), context.DeadlineExceeded)
	})

	t.Run("parent canceled", func(t *testing.T) {
		t.Parallel()
		p, cancel := context.WithCancelCause(parent)
		c := &deadlineCtx{Context: p, deadline: time.Now().Add(time.Hour)}
		defer c.stop()
		child, childCancel := context.WithCancel(c)
		defer childCancel()
		cause := errors.New("client went away")
		cancel(cause)
		<-c.Done()
		<-child.Done()
		require.ErrorIs(t, c.Err(), context.Canceled)
		require.ErrorIs(t, child.Err(), context.Canceled)
		require.ErrorIs(t, context.Cause(c), cause)
	})

	t.Run("stop cancels armed children", func(t *testing.T) {
		t.Parallel()
		c := &deadlineCtx{Context: parent, deadline: time.Now().Add(time.Hour)}
		child, cancel := context.WithCancel(c)
		defer cancel()
		c.stop()
		<-child.Done()
		require.ErrorIs(t, c.Err(), context.Canceled)
		require.Equal(t, "v", child.Value(ctxKey{}))
	})
}
