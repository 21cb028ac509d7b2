package store

import (
	"database/sql/driver"
	"errors"
	"net"

	"github.com/go-sql-driver/mysql"
)

// IsUnavailable reports an error that says the database could not be
// reached or is going away (connection refused or reset, a connection the
// driver gave up on, too many connections, server shutdown), as opposed
// to a query the database refused. Callers answer such errors with "try
// again shortly" (HTTP 503 + Retry-After) rather than an internal error.
func IsUnavailable(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, driver.ErrBadConn) || errors.Is(err, mysql.ErrInvalidConn) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		switch me.Number {
		case 1040, // too many connections
			1053, // server shutdown in progress
			1927: // connection killed (MariaDB)
			return true
		}
	}
	return false
}
