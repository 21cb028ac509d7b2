// Package iamcheck checks least privilege: Recorder, an aws-sdk-go-v2
// middleware, writes every AWS call a process makes (IAM action and the
// resource ARNs IAM authorizes it against) to a file, and Template
// evaluates the IAM policies of a role in the CloudFormation template
// (actions with wildcards, resources with Ref, GetAtt and Sub resolved for
// one account, region and prefix) so a test can fail on any call the role
// does not grant and list the grants no call used. The emulators enforce
// no IAM; this is how the tests see what AWS would refuse.
package iamcheck
