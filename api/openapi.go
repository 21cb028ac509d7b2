package api

import (
	"encoding/json"
	"net/http"
	"sync"

	"github.com/gin-gonic/gin"

	"github.com/ddokso/ddokso/watch"
)

// OpenAPI document helpers.
type obj = map[string]any

func ref(name string) obj { return obj{"$ref": "#/components/schemas/" + name} }

func jsonBody(schema obj) obj {
	return obj{"content": obj{"application/json": obj{"schema": schema}}}
}

func resp(desc string, schema obj) obj {
	r := jsonBody(schema)
	r["description"] = desc
	return r
}

func problem(desc string) obj {
	return obj{"description": desc, "content": obj{ProblemContentType: obj{"schema": ref("Problem")}}}
}

func param(name, in, typ, desc string, required bool) obj {
	return obj{"name": name, "in": in, "required": required, "description": desc, "schema": obj{"type": typ}}
}

var idParam = param("id", "path", "integer", "resource id", true)

func op(summary string, tags []string, params []obj, body obj, responses obj) obj {
	o := obj{"summary": summary, "tags": tags, "responses": responses}
	if len(params) > 0 {
		o["parameters"] = params
	}
	if body != nil {
		o["requestBody"] = body
	}
	return o
}

var (
	bearerSec = []obj{{"bearer": []string{}}}
	adminSec  = []obj{{"adminKey": []string{}}}
)

func secured(o obj, sec []obj) obj {
	o["security"] = sec
	return o
}

func moneySchema() obj {
	return obj{"type": "object", "nullable": true, "properties": obj{
		"minor":    obj{"type": "integer", "description": "integer minor units"},
		"decimal":  obj{"type": "string", "description": "major units, e.g. 12.99"},
		"currency": obj{"type": "string"},
	}}
}

// openAPIDoc is the hand-written contract; TestOpenAPIMatchesRoutes keeps it
// in step with the registered routes.
func openAPIDoc(withUnsubscribe bool) obj {
	bad := problem("invalid request")
	notFound := problem("not found (also for other users' resources)")
	unauth := problem("missing, invalid or expired bearer token")
	limited := problem("rate limited; see Retry-After")
	submitted := obj{
		"200": resp("the URL's product was checked recently", obj{"type": "object", "properties": obj{"status": obj{"type": "string"}, "product": ref("Product")}}),
		"202": resp("scrape started (or joined while in flight); poll Location", obj{"type": "object", "properties": obj{"id": obj{"type": "integer"}, "status": obj{"type": "string"}}}),
		"400": bad, "401": unauth, "429": limited,
	}
	watchBody := jsonBody(ref("WatchInput"))
	duplicate := problem("an identical watch exists; existing_id (and Location) name it")
	undeliverable := problem("a requested channel cannot deliver (no email address, suppressed address, Web Push off, no push subscription)")
	paths := obj{
		"/api/v1/openapi.json": obj{"get": op("This document", []string{"meta"}, nil, nil, obj{"200": resp("OpenAPI 3 document", obj{"type": "object"})})},
		"/api/v1/scrapes": obj{"post": op("Submit a product URL for scraping", []string{"scrapes"}, nil,
			jsonBody(obj{"type": "object", "required": []string{"url"}, "properties": obj{"url": obj{"type": "string"}}}), submitted)},
		"/api/v1/scrapes/{id}": obj{"get": op("A scrape request and its outcome, long-polling with wait", []string{"scrapes"},
			[]obj{idParam, param("wait", "query", "string", "wait up to this long (e.g. 10s, capped) for a final status", false)}, nil,
			obj{"200": resp("the scrape (status pending, done, not_a_product, blocked, failed, expired)", ref("Scrape")), "400": bad, "404": notFound})},
		"/api/v1/search": obj{"get": op("Find a tracked product by URL (never starts a scrape: POST /scrapes does) or by name (q, as GET /products)", []string{"products"},
			[]obj{param("url", "query", "string", "product page URL", false), param("q", "query", "string", "words of the name, as for GET /products", false)}, nil,
			obj{"200": resp("url: {status: done, product}; q: a page of products as GET /products", obj{"type": "object"}),
				"400": bad, "404": problem("url: the product is not tracked yet (submit it with POST /scrapes)")})},
		"/api/v1/products": obj{"get": op("List products, or search them by name", []string{"products"}, []obj{
			param("q", "query", "string", "name search over titles and brands: every word's parts must match (Korean partial words, any case); ranked by where they matched (title and brand, title, brand), then newest", false),
			param("shop", "query", "string", "shop identifier", false),
			param("category", "query", "string", "exact category", false),
			param("brand", "query", "string", "exact brand", false),
			param("tag", "query", "string", "product tag", false),
			param("min_price", "query", "string", "minimum price in major units of currency", false),
			param("max_price", "query", "string", "maximum price in major units of currency", false),
			param("currency", "query", "string", "currency of the price range (default KRW)", false),
			param("in_stock", "query", "boolean", "only (or only not) in stock", false),
			param("sort", "query", "string", "recent (default), price, price_desc, discount, biggest_drop; relevance (default and only order with q)", false),
			param("cursor", "query", "string", "next_cursor of the previous page", false),
			param("limit", "query", "integer", "page size", false),
		}, nil, obj{"200": resp("a page of products", obj{"type": "object", "properties": obj{
			"items": obj{"type": "array", "items": ref("Product")}, "next_cursor": obj{"type": "string"}}}), "400": bad})},
		"/api/v1/products/{id}": obj{"get": op("A product with variants and price statistics", []string{"products"}, []obj{idParam}, nil,
			obj{"200": resp("the product", ref("Product")), "404": notFound})},
		"/api/v1/products/{id}/prices": obj{"get": op("Price history", []string{"products"}, []obj{idParam,
			param("from", "query", "string", "RFC 3339 or YYYY-MM-DD (default 90 days ago)", false),
			param("to", "query", "string", "RFC 3339 or YYYY-MM-DD (default now)", false),
			param("variant", "query", "integer", "variant id; 0 or absent for the product", false),
		}, nil, obj{"200": resp("observations, oldest first", obj{"type": "object", "properties": obj{
			"product_id": obj{"type": "integer"}, "currency": obj{"type": "string"},
			"observations": obj{"type": "array", "items": ref("Observation")}}}), "400": bad, "404": notFound})},
		"/api/v1/products/{id}/chart.svg": obj{"get": op("Price history chart", []string{"products"}, []obj{idParam,
			param("from", "query", "string", "as for prices", false), param("to", "query", "string", "as for prices", false),
			param("variant", "query", "integer", "as for prices", false),
			param("tz", "query", "string", "IANA time zone of the x labels (default UTC)", false),
			param("If-None-Match", "header", "string", "ETag of a copy held; 304 when unchanged", false),
			param("If-Modified-Since", "header", "string", "Last-Modified of a copy held; 304 when unchanged", false),
		}, nil, obj{"200": obj{"description": "SVG step chart: sold-out periods shaded, the all-time low marked, round price ticks, " +
			"time labels that fit the span; ETag and Last-Modified for revalidation (Cache-Control: no-cache)",
			"content": obj{"image/svg+xml": obj{"schema": obj{"type": "string"}}}},
			"304": obj{"description": "not modified since the validators given"}, "400": bad, "404": notFound})},
		"/api/v1/me/watches": obj{
			"get": secured(op("The caller's watches", []string{"watches"}, nil, nil,
				obj{"200": resp("watches", obj{"type": "object", "properties": obj{"items": obj{"type": "array", "items": ref("Watch")}}}), "401": unauth}), bearerSec),
			"post": secured(op("Create a watch on a product, variant or URL", []string{"watches"}, nil, watchBody,
				obj{"201": resp("the watch; scrape_id is set when an unknown URL's scrape was started", ref("Watch")),
					"400": bad, "401": unauth, "404": notFound, "409": duplicate, "422": undeliverable, "429": limited}), bearerSec),
		},
		"/api/v1/me": obj{
			"get": secured(op("The caller's settings and channel states", []string{"me"}, nil, nil,
				obj{"200": resp("settings", ref("Me")), "401": unauth}), bearerSec),
			"patch": secured(op("Change the caller's email (when the token has none), time zone, quiet hours, daily cap or language",
				[]string{"me"}, nil, jsonBody(ref("MeInput")),
				obj{"200": resp("settings", ref("Me")), "400": bad, "401": unauth, "409": problem("email comes from the sign-in token")}), bearerSec),
		},
		"/api/v1/me/notifications": obj{"get": secured(op("The caller's notifications, newest first", []string{"me"}, []obj{
			param("status", "query", "string", watch.StatusList(), false),
			param("channel", "query", "string", "email or push", false),
			param("cursor", "query", "string", "next_cursor of the previous page", false),
			param("limit", "query", "integer", "page size", false),
		}, nil, obj{"200": resp("a page of notifications", obj{"type": "object", "properties": obj{
			"items": obj{"type": "array", "items": ref("Notification")}, "next_cursor": obj{"type": "string"}}}),
			"400": bad, "401": unauth}), bearerSec)},
		"/api/v1/me/watches/{id}": obj{
			"get": secured(op("One watch with its product", []string{"watches"}, []obj{idParam}, nil,
				obj{"200": resp("the watch", ref("Watch")), "401": unauth, "404": notFound}), bearerSec),
			"patch": secured(op("Change a watch's rule, channels or active flag; naming email again re-subscribes", []string{"watches"}, []obj{idParam}, watchBody,
				obj{"200": resp("the watch", ref("Watch")), "400": bad, "401": unauth, "404": notFound, "409": duplicate, "422": undeliverable}), bearerSec),
			"delete": secured(op("Delete a watch", []string{"watches"}, []obj{idParam}, nil,
				obj{"204": obj{"description": "deleted"}, "401": unauth, "404": notFound}), bearerSec),
		},
		"/api/v1/me/push-subscriptions": obj{"post": secured(op("Store a Web Push subscription", []string{"push"}, nil,
			jsonBody(obj{"type": "object", "required": []string{"endpoint", "keys"}, "properties": obj{
				"endpoint": obj{"type": "string", "description": "https push service URL"},
				"keys":     obj{"type": "object", "properties": obj{"p256dh": obj{"type": "string"}, "auth": obj{"type": "string"}}},
			}}), obj{"201": resp("stored", obj{"type": "object", "properties": obj{"id": obj{"type": "integer"}, "endpoint": obj{"type": "string"}}}),
				"400": bad, "401": unauth}), bearerSec)},
		"/api/v1/me/push-subscriptions/{id}": obj{"delete": secured(op("Delete a Web Push subscription", []string{"push"}, []obj{idParam}, nil,
			obj{"204": obj{"description": "deleted"}, "401": unauth, "404": notFound}), bearerSec)},
		"/api/v1/admin/queues": obj{"get": secured(op("Queue and DLQ depths", []string{"operator"}, nil, nil,
			obj{"200": resp("depths", obj{"type": "object", "properties": obj{"queues": obj{"type": "array", "items": ref("QueueDepth")}}}),
				"401": problem("wrong admin key"), "403": problem("operator endpoints disabled")}), adminSec)},
		"/api/v1/admin/queues/{name}/redrive": obj{"post": secured(op("Move a queue's dead letters back", []string{"operator"},
			[]obj{param("name", "path", "string", "logical queue name", true)}, nil,
			obj{"200": resp("moved count", obj{"type": "object", "properties": obj{"queue": obj{"type": "string"}, "moved": obj{"type": "integer"}}}),
				"401": problem("wrong admin key"), "403": problem("operator endpoints disabled"), "404": notFound, "501": problem("redrive unavailable")}), adminSec)},
		"/api/v1/admin/products/{id}/rescrape": obj{"post": secured(op("Re-scrape a product now", []string{"operator"}, []obj{idParam}, nil,
			obj{"202": resp("scrape started or joined", obj{"type": "object"}), "401": problem("wrong admin key"),
				"403": problem("operator endpoints disabled"), "404": notFound}), adminSec)},
	}
	if withUnsubscribe {
		unsub := obj{"200": obj{"description": "unsubscribed"}, "400": bad}
		paths["/api/v1/unsubscribe"] = obj{
			"get":  op("Unsubscribe from emails via a signed link", []string{"notify"}, []obj{param("token", "query", "string", "signed token", true)}, nil, unsub),
			"post": op("RFC 8058 one-click unsubscribe", []string{"notify"}, []obj{param("token", "query", "string", "signed token", true)}, nil, unsub),
		}
	}
	return obj{
		"openapi": "3.0.3",
		"info":    obj{"title": "ddokso API", "version": "1.0.0", "description": "Price tracking: submit product URLs, read prices, manage watches."},
		"paths":   paths,
		"components": obj{
			"securitySchemes": obj{
				"bearer":   obj{"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
				"adminKey": obj{"type": "apiKey", "in": "header", "name": "X-Admin-Key"},
			},
			"schemas": obj{
				"Problem": obj{"type": "object", "properties": obj{"type": obj{"type": "string"}, "title": obj{"type": "string"},
					"status": obj{"type": "integer"}, "detail": obj{"type": "string"}, "instance": obj{"type": "string"}, "request_id": obj{"type": "string"},
					"existing_id": obj{"type": "integer", "description": "409: the resource the request conflicts with"},
					"retry_after": obj{"type": "integer", "description": "429: seconds to wait, as in Retry-After"}}},
				"ChannelState": obj{"type": "object", "properties": obj{
					"state":  obj{"type": "string", "enum": []string{stateOn, stateUnsubscribed, stateSuppressed, stateNoAddress, statePushOff, stateNoSubscription}},
					"reason": obj{"type": "string"}, "since": obj{"type": "string", "format": "date-time"}}},
				"QuietHours": obj{"type": "object", "nullable": true, "description": "local [start, end); equal times mean none; null is the service default",
					"properties": obj{"start": obj{"type": "string", "example": "23:00"}, "end": obj{"type": "string", "example": "08:00"}}},
				"Me": obj{"type": "object", "properties": obj{"id": obj{"type": "string"}, "email": obj{"type": "string"},
					"email_source": obj{"type": "string", "enum": []string{emailFromToken, emailFromUser}},
					"email_state":  ref("ChannelState"), "push_state": ref("ChannelState"), "push_subscriptions": obj{"type": "integer"},
					"time_zone": obj{"type": "string"}, "quiet_hours": ref("QuietHours"),
					"daily_cap": obj{"type": "integer", "nullable": true}, "language": obj{"type": "string", "enum": languages}}},
				"MeInput": obj{"type": "object", "properties": obj{
					"email":       obj{"type": "string", "nullable": true, "description": "only when the token has no email claim"},
					"time_zone":   obj{"type": "string", "description": "IANA name, e.g. Asia/Seoul"},
					"quiet_hours": ref("QuietHours"),
					"daily_cap":   obj{"type": "integer", "nullable": true, "minimum": 1, "maximum": maxDailyCap},
					"language":    obj{"type": "string", "enum": languages}}},
				"Notification": obj{"type": "object", "properties": obj{"id": obj{"type": "integer"}, "watch_id": obj{"type": "integer"},
					"rule": obj{"type": "string"}, "channel": obj{"type": "string"}, "status": obj{"type": "string"},
					"reason": obj{"type": "string"}, "deliver_after": obj{"type": "string", "format": "date-time"},
					"sent_at": obj{"type": "string", "format": "date-time"}, "created_at": obj{"type": "string", "format": "date-time"},
					"price": ref("Money"), "old_price": ref("Money"),
					"product": obj{"type": "object", "properties": obj{"id": obj{"type": "integer"}, "title": obj{"type": "string"}, "image": obj{"type": "string"}}}}},
				"Money": moneySchema(),
				"Variant": obj{"type": "object", "properties": obj{"id": obj{"type": "integer"}, "key": obj{"type": "string"}, "name": obj{"type": "string"},
					"options": obj{"type": "object"}, "price": ref("Money"), "list_price": ref("Money"), "availability": obj{"type": "string"}, "all_time_low": ref("Money")}},
				"Product": obj{"type": "object", "properties": obj{"id": obj{"type": "integer"}, "url": obj{"type": "string"}, "shop": obj{"type": "string"},
					"title": obj{"type": "string"}, "brand": obj{"type": "string"}, "category": obj{"type": "string"}, "image": obj{"type": "string"},
					"currency": obj{"type": "string"}, "price": ref("Money"), "list_price": ref("Money"), "discount_pct": obj{"type": "number", "nullable": true},
					"availability": obj{"type": "string"}, "all_time_low": ref("Money"), "all_time_high": ref("Money"), "last_drop": ref("Money"),
					"avg_30d": ref("Money"), "check_status": obj{"type": "string"}, "last_checked_at": obj{"type": "string", "format": "date-time", "nullable": true},
					"watch_count": obj{"type": "integer"}, "variants": obj{"type": "array", "items": ref("Variant")}}},
				"Observation": obj{"type": "object", "properties": obj{"at": obj{"type": "string", "format": "date-time"}, "variant_id": obj{"type": "integer"},
					"price": ref("Money"), "list_price": ref("Money"), "availability": obj{"type": "string"}}},
				"Scrape": obj{"type": "object", "properties": obj{"id": obj{"type": "integer"}, "url": obj{"type": "string"}, "status": obj{"type": "string"},
					"reason": obj{"type": "string"}, "product_id": obj{"type": "integer"}, "product": ref("Product"),
					"created_at": obj{"type": "string", "format": "date-time"}, "finished_at": obj{"type": "string", "format": "date-time"}}},
				"WatchInput": obj{"type": "object", "properties": obj{"product_id": obj{"type": "integer"}, "variant_id": obj{"type": "integer"},
					"url": obj{"type": "string"}, "rule": obj{"type": "string", "enum": watch.Rules()},
					"target_price": obj{"oneOf": []obj{{"type": "string"}, {"type": "number"}}, "description": "decimal in major units of the product's currency, as a string or a number"},
					"drop_pct":     obj{"type": "number"}, "channels": obj{"type": "array", "minItems": 1, "items": obj{"type": "string", "enum": []string{"email", "push"}},
						"description": "default [\"email\"]; every channel must be able to deliver"},
					"active": obj{"type": "boolean", "description": "PATCH only"}}},
				"Watch": obj{"type": "object", "properties": obj{"id": obj{"type": "integer"}, "product_id": obj{"type": "integer"}, "variant_id": obj{"type": "integer"},
					"rule": obj{"type": "string"}, "target_price": ref("Money"), "drop_pct": obj{"type": "number"},
					"channels":       obj{"type": "array", "items": obj{"type": "string"}, "description": "the channels that deliver now"},
					"channel_states": obj{"type": "object", "additionalProperties": ref("ChannelState"), "description": "every requested channel and its state"},
					"active":         obj{"type": "boolean", "description": "switched on and some channel delivers"},
					"last_alert_at":  obj{"type": "string", "format": "date-time"}, "created_at": obj{"type": "string", "format": "date-time"},
					"scrape_id": obj{"type": "integer"}, "product": ref("Product")}},
				"QueueDepth": obj{"type": "object", "properties": obj{"name": obj{"type": "string"}, "depth": obj{"type": "integer"},
					"dlq": obj{"type": "integer"}, "error": obj{"type": "string"}}},
			},
		},
	}
}

var (
	openAPIOnce  [2]sync.Once
	openAPIBytes [2][]byte
)

func (s *server) openAPI(c *gin.Context) {
	i := 0
	if s.deps.Unsubscribe != nil {
		i = 1
	}
	openAPIOnce[i].Do(func() { openAPIBytes[i], _ = json.MarshalIndent(openAPIDoc(i == 1), "", "  ") })
	c.Data(http.StatusOK, "application/json", openAPIBytes[i])
}
