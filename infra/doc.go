// Package infra declares ddokso's messaging topology once, in Go: the event
// topic, one queue per worker with its dead-letter queue and redrive policy,
// the subscriptions with their filter policies, and the EventBridge Scheduler
// schedules. Apply creates it idempotently at whatever endpoint the AWS SDK
// is pointed at (AWS, LocalStack or moto); cloudformation/ddokso.yaml holds
// the same resources for AWS, and a test keeps the two in agreement.
package infra
