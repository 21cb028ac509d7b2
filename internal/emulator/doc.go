// Package emulator starts local AWS-API emulators as child processes on a
// fixed loopback port, restartable: moto_server (SQS, SNS, SES, Scheduler;
// the emulator of make test and make run) and fauxqs (SQS and SNS only, in
// memory and much faster; installed by scripts/dev/ensure-fauxqs.sh). The
// harnesses that load the system hard (make bench, make chaos) put SQS and
// SNS on fauxqs and keep moto for SES and the scheduler, through the SDK's
// own per-service variables (see Endpoints).
package emulator
