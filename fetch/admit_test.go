package fetch_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ddokso/ddokso/fetch"
)

func TestCheckHost(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		host     string
		public   error // allowLoopback false
		loopback error // allowLoopback true
	}{
		{"shop.example.com", nil, nil},
		{"93.184.215.14", nil, nil},
		{"[2606:2800:21f:cb07:6820:80da:af6b:8b2c]", nil, nil},
		{"localhost", fetch.ErrForbiddenAddress, nil},
		{"api.LOCALHOST.", fetch.ErrForbiddenAddress, nil},
		{"127.0.0.1", fetch.ErrForbiddenAddress, nil},
		{"127.8.9.10", fetch.ErrForbiddenAddress, nil},
		{"[::1]", fetch.ErrForbiddenAddress, nil},
		{"[::ffff:127.0.0.1]", fetch.ErrForbiddenAddress, nil},
		{"10.1.2.3", fetch.ErrForbiddenAddress, fetch.ErrForbiddenAddress},
		{"192.168.0.1", fetch.ErrForbiddenAddress, fetch.ErrForbiddenAddress},
		{"172.16.0.1", fetch.ErrForbiddenAddress, fetch.ErrForbiddenAddress},
		{"169.254.169.254", fetch.ErrForbiddenAddress, fetch.ErrForbiddenAddress},
		{"100.64.0.1", fetch.ErrForbiddenAddress, fetch.ErrForbiddenAddress},
		{"0.0.0.0", fetch.ErrForbiddenAddress, fetch.ErrForbiddenAddress},
		{"[fe80::1]", fetch.ErrForbiddenAddress, fetch.ErrForbiddenAddress},
		{"[fd00::1]", fetch.ErrForbiddenAddress, fetch.ErrForbiddenAddress},
		{"224.0.0.1", fetch.ErrForbiddenAddress, fetch.ErrForbiddenAddress},
		{"", fetch.ErrInvalidURL, fetch.ErrInvalidURL},
		{"[fe80::1%eth0]", fetch.ErrForbiddenAddress, fetch.ErrForbiddenAddress},
		{"shop%.example", fetch.ErrInvalidURL, fetch.ErrInvalidURL},
	} {
		for _, c := range []struct {
			allow bool
			want  error
		}{{false, tc.public}, {true, tc.loopback}} {
			err := fetch.CheckHost(tc.host, c.allow)
			if c.want == nil {
				require.NoError(t, err, "%q loopback=%v", tc.host, c.allow)
				continue
			}
			require.True(t, errors.Is(err, c.want), "%q loopback=%v: %v", tc.host, c.allow, err)
		}
	}
}
