package infra_test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/ddokso/ddokso/events"
	"github.com/ddokso/ddokso/infra"
	"github.com/ddokso/ddokso/internal/iamcheck"
)

const templatePath = "cloudformation/ddokso.yaml"

// cfnTemplate is a CloudFormation template evaluated for one set of
// parameter values: Ref to a parameter is its value, Ref to a resource is
// "ref:<LogicalId>", GetAtt is "getatt:<LogicalId>.<Attr>" and Sub is
// expanded with the same rules.
type cfnTemplate struct {
	Params    map[string]any
	Resources map[string]cfnResource
}

type cfnResource struct {
	Type       string
	Properties map[string]any
}

// loadTemplate parses the template and evaluates it with the parameters'
// defaults, overridden by params.
func loadTemplate(t *testing.T, params map[string]string) cfnTemplate {
	t.Helper()
	b, err := os.ReadFile(templatePath)
	require.NoError(t, err)
	var doc yaml.Node
	require.NoError(t, yaml.Unmarshal(b, &doc))
	raw, err := iamcheck.DecodeCFN(&doc)
	require.NoError(t, err)
	root, ok := raw.(map[string]any)
	require.True(t, ok, "template root is not a mapping")

	tmpl := cfnTemplate{Params: map[string]any{}, Resources: map[string]cfnResource{}}
	ps, _ := root["Parameters"].(map[string]any)
	for name, p := range ps {
		tmpl.Params[name] = p.(map[string]any)["Default"]
	}
	for k, v := range params {
		tmpl.Params[k] = v
	}
	rs, ok := root["Resources"].(map[string]any)
	require.True(t, ok, "template has no Resources")
	ids := map[string]bool{}
	for id := range rs {
		ids[id] = true
	}
	ev := evaluator{params: tmpl.Params, resources: ids}
	for id, r := range rs {
		m := r.(map[string]any)
		props, _ := ev.eval(m["Properties"]).(map[string]any)
		tmpl.Resources[id] = cfnResource{Type: m["Type"].(string), Properties: props}
	}
	return tmpl
}

type evaluator struct {
	params    map[string]any
	resources map[string]bool
}

var subVar = regexp.MustCompile(`\$\{([^}!][^}]*)\}`)

func (e evaluator) ref(name string) any {
	if v, ok := e.params[name]; ok {
		return v
	}
	if e.resources[name] {
		return "ref:" + name
	}
	return "${" + name + "}" // pseudo parameters stay symbolic
}

func (e evaluator) eval(v any) any {
	switch v := v.(type) {
	case map[string]any:
		if len(v) == 1 {
			if name, ok := v["Ref"].(string); ok {
				return e.ref(name)
			}
			if ga, ok := v["Fn::GetAtt"].([]any); ok && len(ga) == 2 {
				return fmt.Sprintf("getatt:%v.%v", ga[0], ga[1])
			}
			if s, ok := v["Fn::Sub"].(string); ok {
				return subVar.ReplaceAllStringFunc(s, func(m string) string {
					name := m[2 : len(m)-1]
					if id, attr, ok := strings.Cut(name, "."); ok && e.resources[id] {
						return "getatt:" + id + "." + attr
					}
					return fmt.Sprint(e.ref(name))
				})
			}
		}
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[k] = e.eval(x)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = e.eval(x)
		}
		return out
	default:
		return v
	}
}

// byType returns the resources of one type by logical id.
func (c cfnTemplate) byType(typ string) map[string]map[string]any {
	out := map[string]map[string]any{}
	for id, r := range c.Resources {
		if r.Type == typ {
			out[id] = r.Properties
		}
	}
	return out
}

// named indexes resources of one type by the string in their name property.
func (c cfnTemplate) named(typ, prop string) (byName map[string]string, props map[string]map[string]any) {
	byName, props = map[string]string{}, map[string]map[string]any{}
	for id, p := range c.byType(typ) {
		name := fmt.Sprint(p[prop])
		byName[name] = id
		props[id] = p
	}
	return byName, props
}

func intOf(v any) (int, bool) {
	switch v := v.(type) {
	case int:
		return v, true
	case float64:
		return int(v), v == float64(int(v))
	case string:
		n, err := strconv.Atoi(v)
		return n, err == nil
	}
	return 0, false
}

func truthy(v any) bool { return v == true || v == "true" }

// asList returns v as a list (a single value counts as a one-item list).
func asList(v any) []any {
	if l, ok := v.([]any); ok {
		return l
	}
	if v == nil {
		return nil
	}
	return []any{v}
}

func sameJSON(a, b any) bool {
	norm := func(v any) any {
		var s []byte
		switch v := v.(type) {
		case string:
			s = []byte(v)
		default:
			s, _ = json.Marshal(v)
		}
		var out any
		if json.Unmarshal(s, &out) != nil {
			return v
		}
		return out
	}
	return reflect.DeepEqual(norm(a), norm(b))
}

// diffTemplate lists every way the template differs from the topology.
func diffTemplate(c cfnTemplate, topo infra.Topology) []string {
	var diffs []string
	bad := func(format string, args ...any) { diffs = append(diffs, fmt.Sprintf(format, args...)) }

	// Queues and DLQs.
	queueIDs, queues := c.named("AWS::SQS::Queue", "QueueName")
	want := map[string]bool{}
	for _, q := range topo.Queues {
		want[topo.QueueName(q.Name)], want[topo.DLQName(q.Name)] = true, true
		mainID, ok := queueIDs[topo.QueueName(q.Name)]
		if !ok {
			bad("queue %s: missing", topo.QueueName(q.Name))
			continue
		}
		dlqID, ok := queueIDs[topo.DLQName(q.Name)]
		if !ok {
			bad("queue %s: missing", topo.DLQName(q.Name))
			continue
		}
		main, dlq := queues[mainID], queues[dlqID]
		if n, _ := intOf(main["VisibilityTimeout"]); n != int(q.VisibilityTimeout/time.Second) {
			bad("queue %s: VisibilityTimeout %v, Go has %s", topo.QueueName(q.Name), main["VisibilityTimeout"], q.VisibilityTimeout)
		}
		if n, _ := intOf(main["MessageRetentionPeriod"]); n != int(q.Retention/time.Second) {
			bad("queue %s: MessageRetentionPeriod %v, Go has %s", topo.QueueName(q.Name), main["MessageRetentionPeriod"], q.Retention)
		}
		rp, _ := main["RedrivePolicy"].(map[string]any)
		if rp["deadLetterTargetArn"] != "getatt:"+dlqID+".Arn" {
			bad("queue %s: redrive target %v, want its DLQ %s", topo.QueueName(q.Name), rp["deadLetterTargetArn"], topo.DLQName(q.Name))
		}
		if n, _ := intOf(rp["maxReceiveCount"]); n != q.MaxReceiveCount {
			bad("queue %s: maxReceiveCount %v, Go has %d", topo.QueueName(q.Name), rp["maxReceiveCount"], q.MaxReceiveCount)
		}
		if n, _ := intOf(dlq["MessageRetentionPeriod"]); n != 14*24*3600 {
			bad("queue %s: DLQ retention %v, want 14 days", topo.DLQName(q.Name), dlq["MessageRetentionPeriod"])
		}
		if dlq["RedrivePolicy"] != nil {
			bad("queue %s: a DLQ must not redrive further", topo.DLQName(q.Name))
		}
	}
	for name := range queueIDs {
		if !want[name] {
			bad("queue %s: not in the Go topology", name)
		}
	}
	queueName := func(arn any) string { // "getatt:ID.Arn" -> physical name
		id := strings.TrimSuffix(strings.TrimPrefix(fmt.Sprint(arn), "getatt:"), ".Arn")
		if p, ok := queues[id]; ok {
			return fmt.Sprint(p["QueueName"])
		}
		return fmt.Sprint(arn)
	}

	// Topics.
	topicIDs, topics := c.named("AWS::SNS::Topic", "TopicName")
	for _, name := range []string{topo.TopicName(), topo.SESTopicName()} {
		if _, ok := topicIDs[name]; !ok {
			bad("topic %s: missing", name)
		}
	}
	topicName := func(ref any) string {
		id := strings.TrimPrefix(fmt.Sprint(ref), "ref:")
		if p, ok := topics[id]; ok {
			return fmt.Sprint(p["TopicName"])
		}
		return fmt.Sprint(ref)
	}

	// Subscriptions and the queue policies that let the topics send.
	subs := map[string]map[string]any{}
	for id, p := range c.byType("AWS::SNS::Subscription") {
		if p["Protocol"] != "sqs" {
			continue
		}
		q := queueName(p["Endpoint"])
		if _, dup := subs[q]; dup {
			bad("subscription %s: queue %s subscribed twice", id, q)
		}
		subs[q] = p
	}
	policies := c.byType("AWS::SQS::QueuePolicy")
	subscribed := map[string]bool{}
	for _, q := range topo.Queues {
		if len(q.Types) == 0 && !q.SESEvents {
			continue
		}
		name := topo.QueueName(q.Name)
		subscribed[name] = true
		topic := topo.TopicName()
		if q.SESEvents {
			topic = topo.SESTopicName()
		}
		s, ok := subs[name]
		if !ok {
			bad("subscription of %s: missing", name)
			continue
		}
		if got := topicName(s["TopicArn"]); got != topic {
			bad("subscription of %s: topic %s, Go subscribes it to %s", name, got, topic)
		}
		if !truthy(s["RawMessageDelivery"]) {
			bad("subscription of %s: RawMessageDelivery must be true", name)
		}
		fp := q.FilterPolicy()
		switch {
		case fp == "" && s["FilterPolicy"] != nil:
			bad("subscription of %s: has FilterPolicy %v, Go has none", name, s["FilterPolicy"])
		case fp != "" && !sameJSON(s["FilterPolicy"], fp):
			got, _ := json.Marshal(s["FilterPolicy"])
			bad("subscription of %s: FilterPolicy %s, Go has %s", name, got, fp)
		case fp != "" && s["FilterPolicyScope"] != nil && s["FilterPolicyScope"] != "MessageAttributes":
			bad("subscription of %s: the filter must apply to message attributes", name)
		}
		if !queueAllowsTopic(policies, "ref:"+queueIDs[name], "ref:"+topicIDs[topic]) {
			bad("queue %s: no queue policy lets %s send to it", name, topic)
		}
	}
	for name := range subs {
		if !subscribed[name] {
			bad("subscription of %s: not in the Go topology", name)
		}
	}

	// Schedules.
	schedIDs, scheds := c.named("AWS::Scheduler::Schedule", "Name")
	wantSched := map[string]bool{}
	for _, s := range topo.Schedules {
		name := topo.ScheduleName(s.Name)
		wantSched[name] = true
		id, ok := schedIDs[name]
		if !ok {
			bad("schedule %s: missing", name)
			continue
		}
		p := scheds[id]
		if p["ScheduleExpression"] != s.Expression {
			bad("schedule %s: expression %v, Go has %q", name, p["ScheduleExpression"], s.Expression)
		}
		if tz := p["ScheduleExpressionTimezone"]; tz != s.Timezone && !(tz == nil && s.Timezone == "UTC") {
			bad("schedule %s: timezone %v, Go has %q", name, tz, s.Timezone)
		}
		if w, _ := p["FlexibleTimeWindow"].(map[string]any); w["Mode"] != "OFF" {
			bad("schedule %s: FlexibleTimeWindow must be OFF", name)
		}
		if st := p["State"]; st != nil && st != "ENABLED" {
			bad("schedule %s: state %v", name, st)
		}
		target, _ := p["Target"].(map[string]any)
		if got := queueName(target["Arn"]); got != topo.QueueName(s.Queue) {
			bad("schedule %s: target %s, Go targets %s", name, got, topo.QueueName(s.Queue))
		}
		if target["Input"] != events.ScheduleInput(s.Type) {
			bad("schedule %s: Input %v, Go has %s", name, target["Input"], events.ScheduleInput(s.Type))
		}
		if err := roleOnlySends(c, target["RoleArn"], target["Arn"]); err != nil {
			bad("schedule %s: %v", name, err)
		}
	}
	for name := range schedIDs {
		if !wantSched[name] {
			bad("schedule %s: not in the Go topology", name)
		}
	}

	// Alarms: every DLQ non-empty, every main queue's oldest message age.
	alarms := map[string][]string{} // queue name -> metrics alarmed on
	for id, p := range c.byType("AWS::CloudWatch::Alarm") {
		if len(asList(p["AlarmActions"])) == 0 {
			bad("alarm %s: no AlarmActions", id)
		}
		for _, d := range asList(p["Dimensions"]) {
			dm, _ := d.(map[string]any)
			if dm["Name"] != "QueueName" {
				continue
			}
			qid := strings.TrimSuffix(strings.TrimPrefix(fmt.Sprint(dm["Value"]), "getatt:"), ".QueueName")
			if qp, ok := queues[qid]; ok {
				metric := fmt.Sprint(p["MetricName"])
				if metric == "ApproximateNumberOfMessagesVisible" {
					if th, _ := intOf(p["Threshold"]); th != 0 || p["ComparisonOperator"] != "GreaterThanThreshold" {
						bad("alarm %s: must fire when a message is visible (> 0)", id)
					}
				}
				alarms[fmt.Sprint(qp["QueueName"])] = append(alarms[fmt.Sprint(qp["QueueName"])], metric)
			}
		}
	}
	for _, q := range topo.Queues {
		if !slices.Contains(alarms[topo.DLQName(q.Name)], "ApproximateNumberOfMessagesVisible") {
			bad("alarm on %s ApproximateNumberOfMessagesVisible: missing", topo.DLQName(q.Name))
		}
		if !slices.Contains(alarms[topo.QueueName(q.Name)], "ApproximateAgeOfOldestMessage") {
			bad("alarm on %s ApproximateAgeOfOldestMessage: missing", topo.QueueName(q.Name))
		}
	}
	sort.Strings(diffs)
	return diffs
}

func statements(doc any) []map[string]any {
	d, _ := doc.(map[string]any)
	var out []map[string]any
	for _, s := range asList(d["Statement"]) {
		if m, ok := s.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

func queueAllowsTopic(policies map[string]map[string]any, queueRef, topicRef string) bool {
	for _, p := range policies {
		if !slices.Contains(asList(p["Queues"]), any(queueRef)) {
			continue
		}
		for _, s := range statements(p["PolicyDocument"]) {
			principal, _ := s["Principal"].(map[string]any)
			cond, _ := s["Condition"].(map[string]any)
			arnEq, _ := cond["ArnEquals"].(map[string]any)
			if s["Effect"] == "Allow" && principal["Service"] == "sns.amazonaws.com" &&
				slices.Contains(asList(s["Action"]), any("sqs:SendMessage")) && arnEq["aws:SourceArn"] == topicRef {
				return true
			}
		}
	}
	return false
}

// roleOnlySends checks that the role behind roleArn may do nothing but
// sqs:SendMessage to queueArn.
func roleOnlySends(c cfnTemplate, roleArn, queueArn any) error {
	id := strings.TrimSuffix(strings.TrimPrefix(fmt.Sprint(roleArn), "getatt:"), ".Arn")
	role, ok := c.Resources[id]
	if !ok || role.Type != "AWS::IAM::Role" {
		return fmt.Errorf("role %v is not a role of the template", roleArn)
	}
	if role.Properties["ManagedPolicyArns"] != nil {
		return fmt.Errorf("role %s must carry no managed policies", id)
	}
	n := 0
	for _, p := range asList(role.Properties["Policies"]) {
		pm, _ := p.(map[string]any)
		for _, s := range statements(pm["PolicyDocument"]) {
			n++
			actions, resources := asList(s["Action"]), asList(s["Resource"])
			if s["Effect"] != "Allow" || len(actions) != 1 || actions[0] != "sqs:SendMessage" ||
				len(resources) != 1 || resources[0] != queueArn {
				return fmt.Errorf("role %s allows more than sqs:SendMessage on the target queue: %v", id, s)
			}
		}
	}
	if n == 0 {
		return fmt.Errorf("role %s cannot send to the target queue", id)
	}
	return nil
}

func TestTemplateMatchesTopology(t *testing.T) {
	t.Parallel()
	for _, prefix := range []string{"ddokso", "ddokso-dev"} {
		t.Run(prefix, func(t *testing.T) {
			t.Parallel()
			tmpl := loadTemplate(t, map[string]string{"Prefix": prefix})
			topo := infra.Default(prefix)
			require.NoError(t, topo.Validate())
			require.Empty(t, diffTemplate(tmpl, topo))
		})
	}
}

func TestTemplateDefaultPrefix(t *testing.T) {
	t.Parallel()
	tmpl := loadTemplate(t, nil)
	require.Equal(t, infra.Default("").Prefix, tmpl.Params["Prefix"])
}

// TestTemplateDiffDetectsDrift changes one side at a time and requires the
// comparison to notice.
func TestTemplateDiffDetectsDrift(t *testing.T) {
	t.Parallel()
	goSide := map[string]func(*infra.Topology){
		"visibility":      func(tp *infra.Topology) { tp.Queues[0].VisibilityTimeout += time.Second },
		"retention":       func(tp *infra.Topology) { tp.Queues[1].Retention = 2 * 24 * time.Hour },
		"maxReceiveCount": func(tp *infra.Topology) { tp.Queues[2].MaxReceiveCount++ },
		"filter type":     func(tp *infra.Topology) { tp.Queues[0].Types = append(tp.Queues[0].Types, events.TypeRescrapeDue) },
		"extra queue": func(tp *infra.Topology) {
			tp.Queues = append(tp.Queues, infra.Queue{Name: "extra", VisibilityTimeout: time.Minute, Attempts: 1, MaxReceiveCount: 1, Retention: time.Hour})
		},
		"dropped queue":       func(tp *infra.Topology) { tp.Queues = tp.Queues[:len(tp.Queues)-1] },
		"unsubscribed":        func(tp *infra.Topology) { tp.Queues[0].Types = nil },
		"ses queue filtered":  func(tp *infra.Topology) { tp.Queues[3].Types = []string{"x"}; tp.Queues[3].SESEvents = false },
		"schedule expression": func(tp *infra.Topology) { tp.Schedules[0].Expression = "rate(5 minutes)" },
		"schedule timezone":   func(tp *infra.Topology) { tp.Schedules[1].Timezone = "UTC" },
		"schedule type":       func(tp *infra.Topology) { tp.Schedules[2].Type = events.TypeDigestDaily },
		"schedule queue":      func(tp *infra.Topology) { tp.Schedules[0].Queue = infra.QueueScrap },
		"dropped schedule":    func(tp *infra.Topology) { tp.Schedules = tp.Schedules[1:] },
		"prefix":              func(tp *infra.Topology) { tp.Prefix = "other" },
	}
	for name, mutate := range goSide {
		t.Run("go/"+name, func(t *testing.T) {
			t.Parallel()
			topo := infra.Default("ddokso")
			topo.Queues = slices.Clone(topo.Queues)
			for i := range topo.Queues {
				topo.Queues[i].Types = slices.Clone(topo.Queues[i].Types)
			}
			topo.Schedules = slices.Clone(topo.Schedules)
			mutate(&topo)
			require.NotEmpty(t, diffTemplate(loadTemplate(t, nil), topo))
		})
	}

	prop := func(id string, path ...string) func(cfnTemplate) map[string]any {
		return func(c cfnTemplate) map[string]any {
			m := c.Resources[id].Properties
			for _, p := range path {
				m = m[p].(map[string]any)
			}
			return m
		}
	}
	templateSide := map[string]func(cfnTemplate){
		"visibility":      func(c cfnTemplate) { prop("ScrapQueue")(c)["VisibilityTimeout"] = 121 },
		"retention":       func(c cfnTemplate) { prop("BatchQueue")(c)["MessageRetentionPeriod"] = 3600 },
		"dlq retention":   func(c cfnTemplate) { prop("NotifyDLQ")(c)["MessageRetentionPeriod"] = 345600 },
		"maxReceiveCount": func(c cfnTemplate) { prop("BatchQueue", "RedrivePolicy")(c)["maxReceiveCount"] = 5 },
		"redrive target": func(c cfnTemplate) {
			prop("BatchQueue", "RedrivePolicy")(c)["deadLetterTargetArn"] = "getatt:ScrapDLQ.Arn"
		},
		"queue name": func(c cfnTemplate) { prop("NotifyQueue")(c)["QueueName"] = "ddokso-notification" },
		"filter policy": func(c cfnTemplate) {
			prop("NotifySubscription")(c)["FilterPolicy"] = map[string]any{"type": []any{"price.changed"}}
		},
		"raw delivery": func(c cfnTemplate) { prop("ScrapSubscription")(c)["RawMessageDelivery"] = false },
		"ses filter": func(c cfnTemplate) {
			prop("SesEventsSubscription")(c)["FilterPolicy"] = map[string]any{"type": []any{"x"}}
		},
		"wrong topic":     func(c cfnTemplate) { prop("ScrapSubscription")(c)["TopicArn"] = "ref:SesEventsTopic" },
		"no queue policy": func(c cfnTemplate) { delete(c.Resources, "BatchQueuePolicy") },
		"dropped sub":     func(c cfnTemplate) { delete(c.Resources, "NotifySubscription") },
		"extra queue": func(c cfnTemplate) {
			c.Resources["X"] = cfnResource{Type: "AWS::SQS::Queue", Properties: map[string]any{"QueueName": "ddokso-x"}}
		},
		"schedule cron":   func(c cfnTemplate) { prop("DigestDailySchedule")(c)["ScheduleExpression"] = "cron(0 8 * * ? *)" },
		"schedule tz":     func(c cfnTemplate) { prop("CleanupDailySchedule")(c)["ScheduleExpressionTimezone"] = "UTC" },
		"schedule window": func(c cfnTemplate) { prop("RescrapeDueSchedule", "FlexibleTimeWindow")(c)["Mode"] = "FLEXIBLE" },
		"schedule input": func(c cfnTemplate) {
			prop("RescrapeDueSchedule", "Target")(c)["Input"] = events.ScheduleInput(events.TypeDigestDaily)
		},
		"schedule target":  func(c cfnTemplate) { prop("RescrapeDueSchedule", "Target")(c)["Arn"] = "getatt:ScrapQueue.Arn" },
		"scheduler role":   func(c cfnTemplate) { prop("DigestDailySchedule", "Target")(c)["RoleArn"] = "getatt:ApiRole.Arn" },
		"dropped schedule": func(c cfnTemplate) { delete(c.Resources, "CleanupDailySchedule") },
		"dropped alarm":    func(c cfnTemplate) { delete(c.Resources, "SesEventsDLQAlarm") },
	}
	for name, mutate := range templateSide {
		t.Run("template/"+name, func(t *testing.T) {
			t.Parallel()
			tmpl := loadTemplate(t, nil)
			mutate(tmpl)
			require.NotEmpty(t, diffTemplate(tmpl, infra.Default("ddokso")))
		})
	}
}

func TestDecodeCFNShortTags(t *testing.T) {
	t.Parallel()
	src := "a: !Ref P\nb: !GetAtt Q.Arn\nc: !Sub \"${P}-x-${Q.Arn}-${AWS::Region}\"\nd: !Not [!Equals [!Ref P, \"\"]]\n"
	var n yaml.Node
	require.NoError(t, yaml.Unmarshal([]byte(src), &n))
	raw, err := iamcheck.DecodeCFN(&n)
	require.NoError(t, err)
	ev := evaluator{params: map[string]any{"P": "pre"}, resources: map[string]bool{"Q": true}}
	got := ev.eval(raw).(map[string]any)
	require.Equal(t, "pre", got["a"])
	require.Equal(t, "getatt:Q.Arn", got["b"])
	require.Equal(t, "pre-x-getatt:Q.Arn-${AWS::Region}", got["c"])
	require.Equal(t, map[string]any{"Fn::Not": []any{map[string]any{"Fn::Equals": []any{"pre", ""}}}}, got["d"])
}

// TestTemplateCFNLint runs cfn-lint (warnings included) on the templates
// (ddokso.yaml and the deploy bootstrap).
func TestTemplateCFNLint(t *testing.T) {
	t.Parallel()
	bin, err := exec.LookPath("cfn-lint")
	if err != nil {
		t.Skip("cfn-lint is not installed (pip install cfn-lint; make test installs it)")
	}
	out, err := exec.Command(bin, "--", templatePath, "cloudformation/bootstrap.yaml").CombinedOutput()
	require.NoError(t, err, "cfn-lint findings:\n%s", out)
	require.Empty(t, strings.TrimSpace(string(out)))
}
