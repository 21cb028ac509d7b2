-- +goose Up
-- fetch_host_rate only spaces out requests to a host: the earliest time the
-- next one may go. Losing it in a server restart costs at most one request
-- per host sooner than its interval. As an InnoDB table every slot
-- reservation was a durable commit (a redo log flush) on the path of every
-- fetch, a second one per page beside the scrap transaction's (issue 18,
-- row 5). A MEMORY table is not logged: the reservation is one statement
-- that waits for no disk. MEMORY locks the table for the statement, which
-- is one short upsert; MariaDB and MySQL 8 (Aurora MySQL too, on the writer)
-- have the engine. The primary key is a hash index: lookups are by host only.
ALTER TABLE fetch_host_rate ENGINE=MEMORY;

-- +goose Down
ALTER TABLE fetch_host_rate ENGINE=InnoDB;
