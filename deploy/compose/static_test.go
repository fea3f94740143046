package compose_test

import (
	"bufio"
	"bytes"
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// buildStatic builds every program of examples/ as the Dockerfile does (CGO_ENABLED=0, the same
// tags) into a new directory and returns it.
func buildStatic(t *testing.T) (string, []string) {
	t.Helper()
	progs := examplePrograms(t)
	dir := t.TempDir()
	args := []string{"build", "-tags", "timetzdata", "-o", dir + string(filepath.Separator)}
	for _, p := range progs {
		args = append(args, "./examples/"+p)
	}
	cmd := exec.CommandContext(t.Context(), "go", args...)
	cmd.Dir = "../.."
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "CGO_ENABLED=0 go %v:\n%s", args, out)
	return dir, progs
}

// TestStaticBinaries: each program the Dockerfile builds links no shared library (it can run in a
// FROM scratch image) and runs: -h prints its flags and exits 0.
func TestStaticBinaries(t *testing.T) {
	dir, progs := buildStatic(t)
	for _, p := range progs {
		t.Run(p, func(t *testing.T) {
			bin := filepath.Join(dir, p)
			f, err := elf.Open(bin)
			require.NoError(t, err)
			defer f.Close()
			for _, prog := range f.Progs {
				assert.NotEqual(t, elf.PT_INTERP, prog.Type, "a dynamic loader is requested")
				assert.NotEqual(t, elf.PT_DYNAMIC, prog.Type, "a dynamic section")
			}
			libs, err := f.ImportedLibraries()
			require.NoError(t, err)
			assert.Empty(t, libs)

			var stderr bytes.Buffer
			cmd := exec.CommandContext(t.Context(), bin, "-h")
			cmd.Stderr = &stderr
			require.NoError(t, cmd.Run(), stderr.String())
			assert.Contains(t, stderr.String(), "-", "the usage lists the flags")
		})
	}

	// What the container's health check does: the static simulator's -healthcheck against the
	// simulator serving, then stopped.
	t.Run("healthcheck", func(t *testing.T) {
		bin := filepath.Join(dir, "simulator")
		srv := exec.CommandContext(t.Context(), bin, "-listen", "127.0.0.1:0", "-log", filepath.Join(t.TempDir(), "etl.log"))
		stderr, err := srv.StderrPipe()
		require.NoError(t, err)
		require.NoError(t, srv.Start())
		sc := bufio.NewScanner(stderr)
		var addr string
		for addr == "" && sc.Scan() {
			// simulator: serving http://127.0.0.1:PORT/metrics and /health; seed N
			if _, rest, ok := strings.Cut(sc.Text(), "serving http://"); ok {
				addr, _, _ = strings.Cut(rest, "/")
			}
		}
		if addr == "" {
			_ = srv.Process.Kill()
			_ = srv.Wait()
			t.Fatal("the simulator never said where it serves")
		}
		go func() {
			for sc.Scan() { // drain
			}
		}()
		check := func() (int, string) {
			out, err := exec.CommandContext(t.Context(), bin, "-healthcheck", "-listen", addr).CombinedOutput()
			if ee, ok := err.(*exec.ExitError); ok {
				return ee.ExitCode(), string(out)
			}
			require.NoError(t, err)
			return 0, string(out)
		}
		code, out := check()
		assert.Equal(t, 0, code, out)
		require.NoError(t, srv.Process.Signal(syscall.SIGTERM))
		require.NoError(t, srv.Wait())
		code, out = check()
		assert.Equal(t, 1, code)
		assert.Contains(t, out, "connection refused")
	})
}
