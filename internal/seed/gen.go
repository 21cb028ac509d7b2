package seed

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"time"
)

const day = 24 * time.Hour

// gen holds what several tables must agree on: each product's shop,
// variants and watch count, each watch's product.
type gen struct {
	cfg        Config
	products   int
	users      int
	shops      []string
	shopOf     []uint8 // by product index (id-1)
	varStart   []int64 // first variant id of product i (ids are dense)
	varCount   []uint8 // variants of product i
	watchCount []int32 // active watches per product
	watches    []watch // by watch id-1
	popularity []int32 // product views
	created    []int64 // product created_at, unix seconds
}

type watch struct {
	user    int32
	product int32 // index
	variant int64 // 0 or a variant id
	rule    uint8
	active  bool
}

var rules = []string{"any_drop", "target", "drop_pct", "all_time_low", "back_in_stock", "rise"}

// Real shops first (they carry most products), then a long tail.
var bigShops = []string{"www.coupang.com", "smartstore.naver.com", "www.11st.co.kr", "item.gmarket.co.kr",
	"www.musinsa.com", "www.amazon.com", "www.ssg.com", "www.lotteon.com", "www.oliveyoung.co.kr", "front.wemakeprice.com"}

func newGen(cfg Config) *gen {
	g := &gen{cfg: cfg, products: cfg.n(FullProducts), users: cfg.n(FullUsers)}
	for i := range Shops {
		if i < len(bigShops) {
			g.shops = append(g.shops, bigShops[i])
		} else {
			g.shops = append(g.shops, fmt.Sprintf("shop%03d.example.kr", i))
		}
	}
	r := rng(cfg, 1)
	// Shop shares fall off as 1/(rank+1)^1.1.
	cum := make([]float64, Shops)
	total := 0.0
	for i := range cum {
		total += 1 / math.Pow(float64(i+1), 1.1)
		cum[i] = total
	}
	g.shopOf = make([]uint8, g.products)
	g.varStart = make([]int64, g.products)
	g.varCount = make([]uint8, g.products)
	g.created = make([]int64, g.products)
	g.popularity = make([]int32, g.products)
	// A quarter of the products have variants, 12 on average, so that the
	// total is FullVariants*Scale.
	next := int64(1)
	for i := range g.products {
		g.shopOf[i] = uint8(sort.SearchFloat64s(cum, r.Float64()*total))
		if r.IntN(4) == 0 {
			g.varCount[i] = uint8(2 + r.IntN(21))
		}
		g.varStart[i] = next
		next += int64(g.varCount[i])
		g.created[i] = cfg.Anchor.Add(-time.Duration(r.Int64N(int64(HistoryDays * day)))).Unix()
		g.popularity[i] = int32(r.ExpFloat64() * 4)
	}
	// Watches: users pick products by a Zipf popularity over a shuffled
	// order, so popular products are spread over ids and shops.
	nw := cfg.n(FullWatches)
	g.watchCount = make([]int32, g.products)
	perm := r.Perm(g.products)
	z := rand.NewZipf(r, 1.05, 50, uint64(g.products-1))
	for range nw {
		p := int32(perm[z.Uint64()])
		w := watch{user: int32(r.IntN(g.users)), product: p, rule: uint8(r.IntN(len(rules))), active: r.IntN(10) != 0}
		if g.varCount[p] > 0 && r.IntN(3) == 0 {
			w.variant = g.varStart[p] + int64(r.IntN(int(g.varCount[p])))
		}
		if w.active {
			g.watchCount[p]++
		}
		g.popularity[p] += 3
		g.watches = append(g.watches, w)
	}
	return g
}

// point is one observation of a series.
type point struct {
	at      int64 // unix micro
	price   int64
	list    int64
	avail   uint8 // 0 in_stock, 1 out_of_stock
	changed bool
}

var avails = []string{"in_stock", "out_of_stock"}

// history is product i's own (variant 0) observations after compaction:
// every change over its life, plus one unchanged row per day of the last
// KeepDays on which it did not change. It is a pure function of the seed
// and i, so products and observations agree.
func (g *gen) history(i int, buf []point) (out []point, currency string, base int64) {
	r := rand.New(rand.NewPCG(uint64(g.cfg.Seed)<<20|7, uint64(i)))
	currency = "KRW"
	if g.shops[g.shopOf[i]] == "www.amazon.com" {
		currency = "USD"
	}
	// Base price: log-normal, KRW rounded to 10 won, USD in cents.
	if currency == "KRW" {
		base = int64(math.Exp(10.3+r.NormFloat64())/10) * 10
		base = max(base, 1000)
	} else {
		base = max(int64(math.Exp(8+r.NormFloat64())), 99)
	}
	// Change rate per day: rarely, weekly-ish or very often (deal shops).
	var rate float64
	switch x := r.Float64(); {
	case x < 0.5:
		rate = 1.0 / 45
	case x < 0.85:
		rate = 1.0 / 10
	default:
		rate = 1.0 / 2.5
	}
	list := base + base/5*int64(r.IntN(2))
	created := g.created[i] * 1e6
	end := g.cfg.Anchor.UnixMicro()
	checkOffset := r.Int64N(int64(day / time.Microsecond)) // time of day of the daily check
	out = buf[:0]
	cur := point{at: created, price: base, list: list, changed: true}
	out = append(out, cur)
	keepFrom := end - int64(KeepDays*day/time.Microsecond)
	dayUS := int64(day / time.Microsecond)
	t := created
	lastDay := created / dayUS
	for {
		t += int64(r.ExpFloat64() / rate * float64(dayUS))
		// Unchanged daily rows between the last row and t, in the keep window.
		for d := lastDay + 1; d*dayUS+checkOffset < min(t, end); d++ {
			at := d*dayUS + checkOffset
			if at >= keepFrom && at/dayUS != t/dayUS {
				p := cur
				p.at, p.changed = at, false
				out = append(out, p)
			}
		}
		if t >= end {
			break
		}
		lastDay = t / dayUS
		// A change: mostly a price move reverting toward the base, now and
		// then a stock change.
		if cur.avail == 1 || r.IntN(20) == 0 {
			cur.avail ^= 1
		} else {
			pct := 1 + r.IntN(15)
			up := cur.price < base*9/10 || (cur.price <= base*11/10 && r.IntN(2) == 0)
			d := cur.price * int64(pct) / 100
			if currency == "KRW" {
				d = max(d/10*10, 10)
			} else {
				d = max(d, 1)
			}
			if up {
				cur.price += d
			} else {
				cur.price = max(cur.price-d, 10)
			}
		}
		cur.at, cur.changed = t, true
		out = append(out, cur)
	}
	return out, currency, base
}

// summary is what products stores about a product's history.
type summary struct {
	price, list, low, high, lastDrop int64
	hasDrop                          bool
	avail                            uint8
	lastChanged                      int64
}

func summarize(h []point) summary {
	s := summary{low: math.MaxInt64}
	for k, p := range h {
		s.low, s.high = min(s.low, p.price), max(s.high, p.price)
		if p.changed {
			s.lastChanged = p.at
			if k > 0 && p.price < h[k-1].price {
				s.lastDrop, s.hasDrop = h[k-1].price-p.price, true
			}
		}
	}
	last := h[len(h)-1]
	s.price, s.list, s.avail = last.price, last.list, last.avail
	return s
}

var brands = []string{"삼성", "LG", "애플", "소니", "나이키", "아디다스", "다이슨", "필립스", "쿠쿠", "락앤락", "오뚜기", "농심", "CJ", "아모레퍼시픽", "이니스프리", "무인양품", "유니클로", "로지텍", "샤오미", "레노버"}
var nouns = []string{"무선 이어폰", "블루투스 스피커", "노트북", "모니터", "키보드", "마우스", "운동화", "패딩 점퍼", "청바지", "전기밥솥", "공기청정기", "로봇청소기", "선크림", "샴푸", "라면", "커피 원두", "텀블러", "백팩", "캠핑 의자", "게이밍 의자"}
var adjs = []string{"2025년형", "프리미엄", "초경량", "대용량", "미니", "프로", "울트라", "리미티드", "베이직", "스탠다드"}
var categories = []string{"가전디지털", "패션의류", "패션잡화", "뷰티", "식품", "생활용품", "주방용품", "스포츠레저", "가구인테리어", "도서", "완구취미", "반려동물용품"}
var tags = []string{"sale", "gift", "kitchen", "tech", "fashion", "beauty", "food", "sports", "home", "kids", "pet", "book"}
var colors = []string{"블랙", "화이트", "네이비", "그레이", "베이지", "레드", "블루", "그린"}
var sizes = []string{"XS", "S", "M", "L", "XL", "XXL", "230", "240", "250", "260", "270", "280"}

func (g *gen) title(i int, r *rand.Rand) (title, brand, category string) {
	brand = brands[r.IntN(len(brands))]
	noun := nouns[r.IntN(len(nouns))]
	return fmt.Sprintf("%s %s %s %c%d", brand, adjs[r.IntN(len(adjs))], noun, 'A'+rune(r.IntN(26)), 100+r.IntN(900)),
		brand, categories[r.IntN(len(categories))]
}

func (g *gen) url(i int) string {
	return fmt.Sprintf("https://%s/products/%d", g.shops[g.shopOf[i]], 1000000+i)
}
