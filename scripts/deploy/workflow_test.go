package deploy_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// deployWorkflow is the part of deploy.yml these tests read.
type deployWorkflow struct {
	On struct {
		WorkflowRun *struct {
			Workflows []string `yaml:"workflows"`
			Types     []string `yaml:"types"`
		} `yaml:"workflow_run"`
		Push any `yaml:"push"`
	} `yaml:"on"`
	Concurrency struct {
		Group            string `yaml:"group"`
		CancelInProgress bool   `yaml:"cancel-in-progress"`
	} `yaml:"concurrency"`
	Jobs map[string]struct {
		If          string   `yaml:"if"`
		Needs       []string `yaml:"needs"`
		Concurrency *struct {
			Group            string `yaml:"group"`
			CancelInProgress bool   `yaml:"cancel-in-progress"`
		} `yaml:"concurrency"`
	} `yaml:"jobs"`
}

// TestDeployCannotHalfMigrate: deploys start only from a passed ci run, a
// newer deploy queues instead of cancelling the running one, the migration
// has its own never-cancelled group, and every rollout waits for it.
func TestDeployCannotHalfMigrate(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(filepath.Join("..", "..", ".github", "workflows", "deploy.yml"))
	require.NoError(t, err)
	var w deployWorkflow
	require.NoError(t, yaml.Unmarshal(b, &w))
	require.Nil(t, w.On.Push, "a push must not deploy before ci passed")
	require.NotNil(t, w.On.WorkflowRun)
	require.Equal(t, []string{"ci"}, w.On.WorkflowRun.Workflows)
	require.Equal(t, []string{"completed"}, w.On.WorkflowRun.Types)
	require.Contains(t, w.Jobs["target"].If, "github.event.workflow_run.conclusion == 'success'")
	require.NotEmpty(t, w.Concurrency.Group)
	require.False(t, w.Concurrency.CancelInProgress, "deploys queue")
	m := w.Jobs["migrate"]
	require.NotNil(t, m.Concurrency)
	require.False(t, m.Concurrency.CancelInProgress)
	require.Contains(t, w.Jobs["deploy"].Needs, "migrate")
}
