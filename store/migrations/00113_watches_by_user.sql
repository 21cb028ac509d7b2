-- +goose Up
-- GET /me/watches reads one user's watches, but the rows were clustered by
-- an AUTO_INCREMENT id, so a user's watches (created months apart) sat on
-- as many pages as they are rows, each reached through idx_watches_user and
-- then a primary-key lookup: at ddokso.com's size (400,000 watches) a cold
-- page per watch. Clustering by (user_id, id) puts a user's watches on one
-- page, read in one range; idx_watches_user is then the primary key itself.
-- id stays unique and AUTO_INCREMENT under its own key (a watch is also
-- addressed by id alone: notify, unsubscribe links). The table is small; the
-- rebuild runs in place with DML going on (MariaDB 10.11 and MySQL 8).
ALTER TABLE watches
    DROP PRIMARY KEY,
    ADD PRIMARY KEY (user_id, id),
    ADD UNIQUE KEY idx_watches_id (id),
    DROP INDEX idx_watches_user,
    ALGORITHM=INPLACE, LOCK=NONE;

-- +goose Down
ALTER TABLE watches
    DROP PRIMARY KEY,
    ADD PRIMARY KEY (id),
    DROP INDEX idx_watches_id,
    ADD KEY idx_watches_user (user_id, id),
    ALGORITHM=INPLACE, LOCK=NONE;
