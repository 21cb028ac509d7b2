package iamcheck

import (
	"testing"

	"github.com/stretchr/testify/require"
)

const templateFile = "../../infra/cloudformation/ddokso.yaml"

func setup(t *testing.T) *Template {
	t.Helper()
	tmpl, err := LoadTemplate(templateFile, Env{Region: "ap-northeast-2", AccountID: "123456789012", Params: map[string]string{"Prefix": "px"}})
	require.NoError(t, err)
	return tmpl
}

func TestPolicyEvaluation(t *testing.T) {
	t.Parallel()
	tmpl := setup(t)
	const q = "arn:aws:sqs:ap-northeast-2:123456789012:"
	for _, c := range []struct {
		role, action string
		resources    []string
		want         bool
	}{
		{"ScrapRole", "sqs:ReceiveMessage", []string{q + "px-scrap"}, true},
		{"ScrapRole", "SQS:receivemessage", []string{q + "px-scrap"}, true},
		{"ScrapRole", "sqs:ReceiveMessage", []string{q + "px-notify"}, false},
		{"ScrapRole", "sqs:GetQueueUrl", []string{q + "px-scrap-dlq"}, true},
		{"ScrapRole", "sqs:GetQueueUrl", []string{q + "other-scrap"}, false},
		{"ScrapRole", "sqs:ListQueues", []string{q + "*"}, false},
		{"BatchRole", "sns:Publish", []string{"arn:aws:sns:ap-northeast-2:123456789012:px-events"}, true},
		{"BatchRole", "sns:Publish", []string{"arn:aws:sns:ap-northeast-2:123456789012:px-ses-events"}, false},
		{"ScrapRole", "sns:Publish", []string{"arn:aws:sns:ap-northeast-2:123456789012:px-events"}, false},
		{"NotifyRole", "ses:SendEmail", []string{"arn:aws:ses:ap-northeast-2:123456789012:identity/alerts@ddokso.com"}, true},
		{"NotifyRole", "ses:SendEmail", []string{"arn:aws:ses:ap-northeast-2:123456789012:identity/a@b.c", "arn:aws:ses:ap-northeast-2:123456789012:configuration-set/px-mail"}, true},
		{"NotifyRole", "ses:SendEmail", []string{"arn:aws:ses:ap-northeast-2:123456789012:configuration-set/other"}, false},
		{"BatchRole", "sqs:SendMessage", []string{q + "px-scrap"}, true},
		{"ApiRole", "sqs:SendMessage", []string{q + "px-scrap"}, true},
		{"ApiRole", "ses:SendEmail", []string{"arn:aws:ses:ap-northeast-2:123456789012:identity/a@b.c"}, false},
	} {
		p, err := tmpl.RolePolicy(c.role)
		require.NoError(t, err)
		require.Equal(t, c.want, p.Allows(c.action, c.resources), "%s %s %v", c.role, c.action, c.resources)
	}
	_, err := tmpl.RolePolicy("NoSuchRole")
	require.Error(t, err)
}

func TestCheckListsDeniedAndUnused(t *testing.T) {
	t.Parallel()
	p := Policy{
		{Where: "a/Recv", Effect: "Allow", Actions: []string{"sqs:ReceiveMessage", "sqs:DeleteMessage"}, Resources: []string{"arn:aws:sqs:r:1:q"}},
		{Where: "a/Any", Effect: "Allow", Actions: []string{"sqs:Get*"}, Resources: []string{"arn:aws:sqs:r:1:q-*"}},
		{Where: "a/No", Effect: "Deny", Actions: []string{"sqs:GetQueueUrl"}, Resources: []string{"arn:aws:sqs:r:1:q-secret"}},
	}
	denied, unused := p.Check([]Call{
		{Action: "sqs:ReceiveMessage", Resources: []string{"arn:aws:sqs:r:1:q"}},
		{Action: "sqs:GetQueueUrl", Resources: []string{"arn:aws:sqs:r:1:q-dlq"}},
		{Action: "sqs:GetQueueUrl", Resources: []string{"arn:aws:sqs:r:1:q-secret"}},
		{Action: "sqs:ListQueues", Resources: []string{"arn:aws:sqs:r:1:*"}},
	})
	require.Equal(t, []Call{
		{Action: "sqs:GetQueueUrl", Resources: []string{"arn:aws:sqs:r:1:q-secret"}},
		{Action: "sqs:ListQueues", Resources: []string{"arn:aws:sqs:r:1:*"}},
	}, denied)
	require.Equal(t, []string{"a/Recv sqs:DeleteMessage arn:aws:sqs:r:1:q"}, unused)
}
