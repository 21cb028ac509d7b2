package api

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
)

// searchProducts is GET /search: ?url= answers the URL's product when it
// is tracked and checked (a GET never starts a scrape: POST /scrapes
// does), ?q= is the name search of GET /products.
func (s *server) searchProducts(c *gin.Context) {
	raw, hasURL := c.GetQuery("url")
	if !hasURL {
		if _, ok := c.GetQuery("q"); !ok {
			fail(c, http.StatusBadRequest, "invalid-parameter", "give url (a product page) or q (words of a product's name)")
			return
		}
		s.listProducts(c)
		return
	}
	if len(c.Request.URL.Query()) != 1 {
		fail(c, http.StatusBadRequest, "invalid-parameter", "url takes no other parameters")
		return
	}
	canon, kind, err := canonicalURL(raw, s.cfg.localShops())
	if err != nil {
		fail(c, http.StatusBadRequest, kind, err.Error())
		return
	}
	notTracked := func() {
		fail(c, http.StatusNotFound, "not-tracked", fmt.Sprintf("%s is not tracked yet; submit it with POST /api/v1/scrapes", canon.URL))
	}
	ctx := c.Request.Context()
	var id int64
	err = s.db.QueryRowContext(ctx, `SELECT id FROM products WHERE url_hash = ? AND last_checked_at IS NOT NULL
		AND check_status NOT IN ('new', 'not_a_product')`, canon.Hash()).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		notTracked()
		return
	}
	if err != nil {
		s.failErr(c, fmt.Errorf("search %s: %w", canon.URL, err))
		return
	}
	e, err := s.products.get(ctx, id, s.loadProduct)
	if err != nil {
		if errors.Is(err, errNotFound) {
			notTracked()
			return
		}
		s.failErr(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": "done", "product": e.p})
}

// searchWindow is how many rows a name search's first walk may examine
// (LIMIT … ROWS EXAMINED: a posting of the drive and the probes of the
// other grams, about 1,000 postings) before the search intersects posting
// lists instead (readSearch). A search with matches finds its page within
// it; words that never occur together would walk every posting of the
// drive (all 25,000 of 노트 for 노트북 운동화: 30-65 ms at 500,000
// products).
const searchWindow = 2048

// readSearch reads a name search's page when its drive gram has more
// postings than l.searchWindow. It walks as sql does, stopped after
// l.searchWindow rows examined, and keeps that page when it is full; a
// few matches that forecast a short walk continue the walk after the
// last of them. Otherwise it reads, index only, the product ids of the
// drive's postings and of each other word's rarest gram off the primary
// key (term, product_id) and intersects them: none answers the empty
// page; a few are read by id and sorted, in the walk's order (with the
// cursor's keyset condition); many (more than a walk for the page would
// probe) are walked as before.
func (s *server) readSearch(ctx context.Context, l *listing) ([]keyedProduct, error) {
	need := l.limit + 1
	rowsExamined, err := s.rowsExamined(ctx)
	if err != nil {
		return nil, err
	}
	if !rowsExamined {
		// MySQL 8 / Aurora have no LIMIT … ROWS EXAMINED: no bounded
		// walk first; the intersection decides.
		return s.intersectOrWalk(ctx, l, need)
	}
	l.examine = l.searchWindow
	q, args := l.sql()
	l.examine = 0
	items, err := s.queryKeyed(ctx, l, q, args, need)
	if err != nil || len(items) >= need {
		return items, err
	}
	// The window's matches forecast the walk: about W/2 postings (a
	// posting and at least one probe each) held m matches, so the page
	// takes W/2 × need / m. Reading the lists costs about what walking
	// half the drive's estimated postings does (a probe per posting
	// against an index-only scan), so only a longer forecast intersects.
	if m := len(items); m > 0 && l.searchWindow*need/m <= int(l.driveEst) {
		return s.walkOn(ctx, l, items)
	}
	return s.intersectOrWalk(ctx, l, need)
}

// intersectOrWalk reads the page from the intersection of the search's
// posting lists: none answers the empty page; a few are read by id; many
// are walked as sql does.
func (s *server) intersectOrWalk(ctx context.Context, l *listing, need int) ([]keyedProduct, error) {
	ids, postings, err := s.coOccurring(ctx, l)
	if err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return nil, nil
	}
	// A walk probes about postings × need / len(ids) postings for the page.
	if len(ids)*len(ids) <= postings*need {
		l.ids = ids
		q, args := l.sql()
		l.ids = nil
		return s.queryKeyed(ctx, l, q, args, need)
	}
	q, args := l.sql()
	return s.queryKeyed(ctx, l, q, args, need)
}

// rowsExamined reports whether the server takes LIMIT … ROWS EXAMINED
// (MariaDB does, MySQL 8 and Aurora MySQL do not), asked once.
func (s *server) rowsExamined(ctx context.Context) (bool, error) {
	if s.forceNoRowsExamined {
		return false, nil
	}
	s.flavorMu.Lock()
	defer s.flavorMu.Unlock()
	if !s.flavorKnown {
		var v string
		if err := s.db.QueryRowContext(ctx, "SELECT VERSION()").Scan(&v); err != nil {
			return false, fmt.Errorf("server version: %w", err) // asked again next time
		}
		s.mariaDB, s.flavorKnown = strings.Contains(strings.ToLower(v), "mariadb"), true
	}
	return s.mariaDB, nil
}

// walkOn continues a name search's walk after the last of the page's
// first items, for the rest of the page.
func (s *server) walkOn(ctx context.Context, l *listing, items []keyedProduct) ([]keyedProduct, error) {
	last := items[len(items)-1]
	weight, err := strconv.ParseInt(last.key, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("continue the search after weight %q: %w", last.key, err)
	}
	after, limit := l.after, l.limit
	l.after, l.limit = &afterKey{key: weight, id: last.p.ID}, l.limit-len(items)
	q, args := l.sql()
	l.after, l.limit = after, limit
	more, err := s.queryKeyed(ctx, l, q, args, l.limit+1-len(items))
	if err != nil {
		return nil, err
	}
	return append(items, more...), nil
}

// coOccurring are the ids (ascending) of the products that have the
// search's drive gram and each other word's rarest gram, and the number
// of the drive's postings. Each gram's postings are one index-only range
// of the primary key, read in id order and merged; it stops at the first
// empty intersection.
func (s *server) coOccurring(ctx context.Context, l *listing) ([]int64, int, error) {
	var ids []int64
	postings := 0
	for i, g := range append([]string{l.drive}, l.others[:l.wordRare]...) {
		got, err := s.postingIDs(ctx, g)
		if err != nil {
			return nil, 0, err
		}
		if i == 0 {
			ids, postings = got, len(got)
		} else {
			ids = intersectSorted(ids, got)
		}
		if len(ids) == 0 {
			break
		}
	}
	return ids, postings, nil
}

// postingIDs are the ids of the products with the gram, ascending: one
// row, the ids joined by commas (an index-only range of the primary key;
// a row per id cost the API more CPU than the scan cost the server).
func (s *server) postingIDs(ctx context.Context, gram string) ([]int64, error) {
	var list sql.RawBytes
	var n int
	// group_concat_max_len is raised per session by store.ParseDSN; a
	// list cut short by a pool opened otherwise fails the count check.
	rows, err := s.db.QueryContext(ctx, "SELECT COUNT(*), GROUP_CONCAT(product_id) FROM product_terms FORCE INDEX (PRIMARY) WHERE term = ?", gram)
	if err != nil {
		return nil, fmt.Errorf("read the postings of %q: %w", gram, err)
	}
	defer rows.Close()
	if !rows.Next() {
		return nil, fmt.Errorf("read the postings of %q: no row: %w", gram, rows.Err())
	}
	if err := rows.Scan(&n, &list); err != nil {
		return nil, fmt.Errorf("scan the postings of %q: %w", gram, err)
	}
	ids := make([]int64, 0, n)
	var id int64
	for i, c := range list {
		if c != ',' {
			id = id*10 + int64(c-'0')
		}
		if c == ',' || i == len(list)-1 {
			ids = append(ids, id)
			id = 0
		}
	}
	if len(ids) != n {
		return nil, fmt.Errorf("read the postings of %q: %d ids in a list of %d", gram, len(ids), n)
	}
	if !slices.IsSorted(ids) {
		slices.Sort(ids)
	}
	return ids, nil
}

// intersectSorted is the ids in both ascending lists, reusing a's array.
func intersectSorted(a, b []int64) []int64 {
	out := a[:0]
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch {
		case a[i] < b[j]:
			i++
		case a[i] > b[j]:
			j++
		default:
			out = append(out, a[i])
			i++
			j++
		}
	}
	return out
}
