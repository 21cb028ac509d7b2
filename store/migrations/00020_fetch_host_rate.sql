-- +goose Up
-- fetch_host_rate holds, per host (or rate-limit domain), the earliest time
-- the next request may be sent. fetch.MySQLLimiter reserves slots here so all
-- scrap workers share one politeness budget per site. Times are UTC from the
-- database clock.
CREATE TABLE fetch_host_rate (
    host    VARCHAR(255) NOT NULL,
    next_at DATETIME(6)  NOT NULL,
    PRIMARY KEY (host)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE fetch_host_rate;
