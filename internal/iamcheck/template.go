package iamcheck

import (
	"fmt"
	"os"
	"path"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Env is what a template is evaluated for.
type Env struct {
	// Partition, Region and AccountID are the pseudo parameters'
	// values (Partition defaults to "aws").
	Partition, Region, AccountID string
	// Params override the template parameters' defaults.
	Params map[string]string
}

// Template is a CloudFormation template evaluated for one Env.
type Template struct {
	env       Env
	params    map[string]string
	resources map[string]map[string]any // logical id -> raw resource
}

// LoadTemplate parses the CloudFormation template at file (YAML with the
// short-form tags) for env.
func LoadTemplate(file string, env Env) (*Template, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("load template: %w", err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("load template %s: %w", file, err)
	}
	raw, err := DecodeCFN(&doc)
	if err != nil {
		return nil, fmt.Errorf("load template %s: %w", file, err)
	}
	root, _ := raw.(map[string]any)
	if env.Partition == "" {
		env.Partition = "aws"
	}
	t := &Template{env: env, params: map[string]string{}, resources: map[string]map[string]any{}}
	ps, _ := root["Parameters"].(map[string]any)
	for name, p := range ps {
		if d, ok := p.(map[string]any)["Default"]; ok {
			t.params[name] = fmt.Sprint(d)
		}
	}
	for k, v := range env.Params {
		t.params[k] = v
	}
	rs, _ := root["Resources"].(map[string]any)
	for id, r := range rs {
		m, ok := r.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("load template %s: resource %s is not a mapping", file, id)
		}
		t.resources[id] = m
	}
	return t, nil
}

// DecodeCFN turns a YAML node of a CloudFormation template into plain Go
// values, rewriting the short-form tags (!Ref, !Sub, !GetAtt, ...) to their
// long forms ({"Ref": x}, {"Fn::Sub": x}, {"Fn::GetAtt": [id, attr]}).
func DecodeCFN(n *yaml.Node) (any, error) {
	if strings.HasPrefix(n.Tag, "!") && !strings.HasPrefix(n.Tag, "!!") {
		fn := strings.TrimPrefix(n.Tag, "!")
		plain := *n
		plain.Tag = ""
		if plain.Kind == yaml.ScalarNode {
			plain.Tag = "!!str"
		}
		v, err := DecodeCFN(&plain)
		if err != nil {
			return nil, err
		}
		if fn == "Ref" {
			return map[string]any{"Ref": v}, nil
		}
		if s, ok := v.(string); ok && fn == "GetAtt" {
			id, attr, _ := strings.Cut(s, ".")
			v = []any{id, attr}
		}
		return map[string]any{"Fn::" + fn: v}, nil
	}
	switch n.Kind {
	case yaml.DocumentNode:
		return DecodeCFN(n.Content[0])
	case yaml.AliasNode:
		return DecodeCFN(n.Alias)
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			v, err := DecodeCFN(n.Content[i+1])
			if err != nil {
				return nil, err
			}
			m[n.Content[i].Value] = v
		}
		return m, nil
	case yaml.SequenceNode:
		l := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := DecodeCFN(c)
			if err != nil {
				return nil, err
			}
			l = append(l, v)
		}
		return l, nil
	default:
		var v any
		if err := n.Decode(&v); err != nil {
			return nil, fmt.Errorf("line %d: %w", n.Line, err)
		}
		return v, nil
	}
}

var subVar = regexp.MustCompile(`\$\{([^}!][^}]*)\}`)

// prop returns a resource property evaluated to a string.
func (t *Template) prop(id, name string) (string, error) {
	props, _ := t.resources[id]["Properties"].(map[string]any)
	v, ok := props[name]
	if !ok {
		return "", fmt.Errorf("resource %s has no %s", id, name)
	}
	s, err := t.eval(v)
	if err != nil {
		return "", err
	}
	str, ok := s.(string)
	if !ok {
		return "", fmt.Errorf("resource %s: %s is not a string", id, name)
	}
	return str, nil
}

// ref is the value of Ref name: a parameter, a pseudo parameter, or what
// CloudFormation returns for the resource type.
func (t *Template) ref(name string) (string, error) {
	switch name {
	case "AWS::Partition":
		return t.env.Partition, nil
	case "AWS::Region":
		return t.env.Region, nil
	case "AWS::AccountId":
		return t.env.AccountID, nil
	}
	if v, ok := t.params[name]; ok {
		return v, nil
	}
	r, ok := t.resources[name]
	if !ok {
		return "", fmt.Errorf("unknown Ref target %s", name)
	}
	e := t.env
	switch typ, _ := r["Type"].(string); typ {
	case "AWS::SQS::Queue":
		n, err := t.prop(name, "QueueName")
		return "https://sqs." + e.Region + ".amazonaws.com/" + e.AccountID + "/" + n, err
	case "AWS::SNS::Topic":
		n, err := t.prop(name, "TopicName")
		return "arn:" + e.Partition + ":sns:" + e.Region + ":" + e.AccountID + ":" + n, err
	case "AWS::SES::ConfigurationSet":
		return t.prop(name, "Name")
	case "AWS::IAM::ManagedPolicy":
		return "managed-policy:" + name, nil
	default:
		return "ref:" + name, nil
	}
}

// getAtt is the value of GetAtt id.attr for the attributes policies use.
func (t *Template) getAtt(id, attr string) (string, error) {
	r, ok := t.resources[id]
	if !ok {
		return "", fmt.Errorf("GetAtt of unknown %s", id)
	}
	e := t.env
	typ, _ := r["Type"].(string)
	switch {
	case typ == "AWS::SQS::Queue" && attr == "Arn":
		n, err := t.prop(id, "QueueName")
		return "arn:" + e.Partition + ":sqs:" + e.Region + ":" + e.AccountID + ":" + n, err
	case typ == "AWS::SQS::Queue" && attr == "QueueName":
		return t.prop(id, "QueueName")
	case typ == "AWS::SNS::Topic" && attr == "TopicArn":
		return t.ref(id)
	case typ == "AWS::IAM::Role" && attr == "Arn":
		return "arn:" + e.Partition + ":iam::" + e.AccountID + ":role/" + id, nil
	}
	return "", fmt.Errorf("GetAtt %s.%s of a %s is not evaluated", id, attr, typ)
}

// eval evaluates the intrinsic functions of v.
func (t *Template) eval(v any) (any, error) {
	switch v := v.(type) {
	case map[string]any:
		if len(v) == 1 {
			if name, ok := v["Ref"].(string); ok {
				return t.ref(name)
			}
			if ga, ok := v["Fn::GetAtt"].([]any); ok && len(ga) == 2 {
				return t.getAtt(fmt.Sprint(ga[0]), fmt.Sprint(ga[1]))
			}
			if s, ok := v["Fn::Sub"].(string); ok {
				var err error
				out := subVar.ReplaceAllStringFunc(s, func(m string) string {
					name := m[2 : len(m)-1]
					var r string
					var e error
					if id, attr, ok := strings.Cut(name, "."); ok && t.resources[id] != nil {
						r, e = t.getAtt(id, attr)
					} else {
						r, e = t.ref(name)
					}
					if e != nil && err == nil {
						err = e
					}
					return r
				})
				return out, err
			}
		}
		out := make(map[string]any, len(v))
		for k, x := range v {
			ev, err := t.eval(x)
			if err != nil {
				return nil, err
			}
			out[k] = ev
		}
		return out, nil
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			ev, err := t.eval(x)
			if err != nil {
				return nil, err
			}
			out[i] = ev
		}
		return out, nil
	default:
		return v, nil
	}
}

// Statement is one evaluated IAM policy statement.
type Statement struct {
	// Where names the policy and statement (for messages).
	Where     string
	Effect    string
	Actions   []string
	Resources []string
}

// Policy is the statements of every policy a role has.
type Policy []Statement

// RolePolicy returns the evaluated statements of the role's inline
// policies and of the template's managed policies it attaches.
func (t *Template) RolePolicy(roleID string) (Policy, error) {
	r, ok := t.resources[roleID]
	if !ok || r["Type"] != "AWS::IAM::Role" {
		return nil, fmt.Errorf("no role %s in the template", roleID)
	}
	ev, err := t.eval(r["Properties"])
	if err != nil {
		return nil, fmt.Errorf("role %s: %w", roleID, err)
	}
	props, _ := ev.(map[string]any)
	var out Policy
	for _, p := range asList(props["Policies"]) {
		pm, _ := p.(map[string]any)
		out = append(out, statements(fmt.Sprint(pm["PolicyName"]), pm["PolicyDocument"])...)
	}
	for _, m := range asList(props["ManagedPolicyArns"]) {
		id, ok := strings.CutPrefix(fmt.Sprint(m), "managed-policy:")
		if !ok {
			return nil, fmt.Errorf("role %s: managed policy %v is not in the template", roleID, m)
		}
		mev, err := t.eval(t.resources[id]["Properties"])
		if err != nil {
			return nil, fmt.Errorf("managed policy %s: %w", id, err)
		}
		mp, _ := mev.(map[string]any)
		out = append(out, statements(id, mp["PolicyDocument"])...)
	}
	return out, nil
}

func asList(v any) []any {
	switch v := v.(type) {
	case nil:
		return nil
	case []any:
		return v
	default:
		return []any{v}
	}
}

func strs(v any) []string {
	var out []string
	for _, x := range asList(v) {
		out = append(out, fmt.Sprint(x))
	}
	return out
}

func statements(name string, doc any) []Statement {
	d, _ := doc.(map[string]any)
	var out []Statement
	for i, s := range asList(d["Statement"]) {
		sm, _ := s.(map[string]any)
		where := fmt.Sprintf("%s[%d]", name, i)
		if sid, ok := sm["Sid"]; ok {
			where = fmt.Sprintf("%s/%v", name, sid)
		}
		out = append(out, Statement{Where: where, Effect: fmt.Sprint(sm["Effect"]), Actions: strs(sm["Action"]), Resources: strs(sm["Resource"])})
	}
	return out
}

// match reports whether value matches an IAM pattern (* any run, ? one
// character); actions compare case-insensitively.
func match(pattern, value string, fold bool) bool {
	if fold {
		pattern, value = strings.ToLower(pattern), strings.ToLower(value)
	}
	ok, err := path.Match(strings.ReplaceAll(pattern, "/", "\x00"), strings.ReplaceAll(value, "/", "\x00"))
	return err == nil && ok
}

// grants reports whether s covers action on resource.
func (s Statement) grants(action, resource string) bool {
	return slices.ContainsFunc(s.Actions, func(a string) bool { return match(a, action, true) }) &&
		slices.ContainsFunc(s.Resources, func(r string) bool { return match(r, resource, false) })
}

// Allows reports whether the policy allows action on every resource:
// some Allow statement covers it and no Deny does.
func (p Policy) Allows(action string, resources []string) bool {
	for _, res := range resources {
		allowed := false
		for _, s := range p {
			if !s.grants(action, res) {
				continue
			}
			if s.Effect == "Deny" {
				return false
			}
			allowed = true
		}
		if !allowed {
			return false
		}
	}
	return true
}

// Check returns the calls the policy does not allow and the grants (one
// line per Allow statement action and resource) no call used.
func (p Policy) Check(calls []Call) (denied []Call, unused []string) {
	used := map[string]bool{}
	for _, c := range calls {
		if !p.Allows(c.Action, c.Resources) {
			denied = append(denied, c)
			continue
		}
		for _, s := range p {
			for _, a := range s.Actions {
				for _, r := range s.Resources {
					if s.Effect == "Allow" && match(a, c.Action, true) && slices.ContainsFunc(c.Resources, func(x string) bool { return match(r, x, false) }) {
						used[s.Where+" "+a+" "+r] = true
					}
				}
			}
		}
	}
	for _, s := range p {
		if s.Effect != "Allow" {
			continue
		}
		for _, a := range s.Actions {
			for _, r := range s.Resources {
				if k := s.Where + " " + a + " " + r; !used[k] {
					unused = append(unused, k)
				}
			}
		}
	}
	return denied, unused
}
