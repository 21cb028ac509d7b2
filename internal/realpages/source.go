package realpages

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Source reads saved pages from local copies of their repositories.
type Source struct {
	// Dir holds one copy per repository, as any of: Dir/owner+name/repo (a
	// bare git directory, the layout of the search tool's fetch),
	// Dir/owner+name, Dir/owner/name or Dir/name (bare or with a .git
	// directory).
	Dir string
}

// GitDir finds the git directory of repo ("owner/name") under s.Dir.
func (s Source) GitDir(repo string) (string, error) {
	owner, name, _ := strings.Cut(repo, "/")
	for _, c := range []string{
		filepath.Join(s.Dir, owner+"+"+name, "repo"),
		filepath.Join(s.Dir, owner+"+"+name),
		filepath.Join(s.Dir, owner, name),
		filepath.Join(s.Dir, name),
	} {
		if isDir(filepath.Join(c, ".git")) {
			return filepath.Join(c, ".git"), nil
		}
		if isDir(filepath.Join(c, "objects")) && exists(filepath.Join(c, "HEAD")) {
			return c, nil
		}
	}
	return "", fmt.Errorf("no copy of %s under %s (want %s+%s/repo, %s/%s or %s)", repo, s.Dir, owner, name, owner, name, name)
}

// Read returns the page's file at its commit.
func (s Source) Read(ctx context.Context, p *Page) ([]byte, error) {
	gd, err := s.GitDir(p.Repo)
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, "git", "--git-dir", gd, "cat-file", "blob", p.Commit+":"+p.Path)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("read %s:%s at %s: %w: %s", p.Repo, p.Path, p.Commit, err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
