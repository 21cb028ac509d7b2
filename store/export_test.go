package store

// Queued is how many calls wait for a group transaction to take them.
func (o *OnceGroup) Queued() int { return o.g.Queued() }

// Commits is how many group transactions committed.
func (o *OnceGroup) Commits() int64 { return o.commits.Load() }
