package notify

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	webpush "github.com/SherClockHolmes/webpush-go"
	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/hkdf"
)

// pushService is a push-service stand-in: it checks the VAPID JWT and
// decrypts the aes128gcm payload with the subscription's private key.
type pushService struct {
	t        *testing.T
	srv      *httptest.Server
	vapidPub []byte
	uaPriv   *ecdh.PrivateKey
	auth     []byte
	status   int

	mu       sync.Mutex
	payloads []pushPayload
	headers  []http.Header
	errs     []error
}

func newPushService(t *testing.T, vapidPub string) *pushService {
	pub, err := base64.RawURLEncoding.DecodeString(vapidPub)
	require.NoError(t, err)
	uaPriv, err := ecdh.P256().GenerateKey(rand.Reader)
	require.NoError(t, err)
	auth := make([]byte, 16)
	_, _ = rand.Read(auth)
	p := &pushService{t: t, vapidPub: pub, uaPriv: uaPriv, auth: auth, status: http.StatusCreated}
	p.srv = httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(p.srv.Close)
	return p
}

func (p *pushService) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	pl, err := p.check(r, body)
	p.mu.Lock()
	p.headers = append(p.headers, r.Header.Clone())
	if err != nil {
		p.errs = append(p.errs, err)
	} else {
		p.payloads = append(p.payloads, pl)
	}
	p.mu.Unlock()
	if err != nil {
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	w.Header().Set("Location", p.srv.URL+"/m/"+fmt.Sprint(time.Now().UnixNano()))
	w.WriteHeader(p.status)
}

func (p *pushService) check(r *http.Request, body []byte) (pushPayload, error) {
	var pl pushPayload
	// VAPID (RFC 8292): Authorization: vapid t=<jwt>, k=<public key>
	a := r.Header.Get("Authorization")
	tok, k, ok := strings.Cut(strings.TrimPrefix(a, "vapid t="), ", k=")
	if !strings.HasPrefix(a, "vapid t=") || !ok {
		return pl, fmt.Errorf("bad authorization %q", a)
	}
	if kb, _ := base64.RawURLEncoding.DecodeString(k); string(kb) != string(p.vapidPub) {
		return pl, errors.New("k is not the VAPID public key")
	}
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), p.vapidPub)
	if err != nil {
		return pl, err
	}
	claims := jwt.MapClaims{}
	_, err = jwt.ParseWithClaims(tok, claims, func(*jwt.Token) (any, error) { return pub, nil },
		jwt.WithValidMethods([]string{"ES256"}), jwt.WithAudience(p.srv.URL), jwt.WithExpirationRequired())
	if err != nil {
		return pl, fmt.Errorf("vapid jwt: %w", err)
	}
	if exp, _ := claims.GetExpirationTime(); exp.After(time.Now().Add(24 * time.Hour)) {
		return pl, errors.New("vapid exp more than 24h ahead")
	}
	if r.Header.Get("Content-Encoding") != "aes128gcm" || r.Header.Get("TTL") == "" {
		return pl, fmt.Errorf("headers: encoding %q ttl %q", r.Header.Get("Content-Encoding"), r.Header.Get("TTL"))
	}
	// RFC 8291/8188: salt(16) rs(4) idlen(1) keyid(65) ciphertext
	if len(body) < 86 {
		return pl, errors.New("body too short")
	}
	salt, idlen := body[:16], int(body[20])
	_ = binary.BigEndian.Uint32(body[16:20])
	asPubBytes := body[21 : 21+idlen]
	ct := body[21+idlen:]
	asPub, err := ecdh.P256().NewPublicKey(asPubBytes)
	if err != nil {
		return pl, err
	}
	secret, err := p.uaPriv.ECDH(asPub)
	if err != nil {
		return pl, err
	}
	info := append(append([]byte("WebPush: info\x00"), p.uaPriv.PublicKey().Bytes()...), asPubBytes...)
	ikm := make([]byte, 32)
	if _, err := io.ReadFull(hkdf.New(sha256.New, secret, p.auth, info), ikm); err != nil {
		return pl, err
	}
	prk := hkdf.Extract(sha256.New, ikm, salt)
	cek, nonce := make([]byte, 16), make([]byte, 12)
	_, _ = io.ReadFull(hkdf.Expand(sha256.New, prk, []byte("Content-Encoding: aes128gcm\x00")), cek)
	_, _ = io.ReadFull(hkdf.Expand(sha256.New, prk, []byte("Content-Encoding: nonce\x00")), nonce)
	block, _ := aes.NewCipher(cek)
	gcm, _ := cipher.NewGCM(block)
	plain, err := gcm.Open(nil, nonce, ct, nil)
	if err != nil {
		return pl, fmt.Errorf("decrypt: %w", err)
	}
	plain = []byte(strings.TrimRight(string(plain), "\x00"))
	if len(plain) == 0 || plain[len(plain)-1] != 2 {
		return pl, errors.New("missing last-record padding delimiter")
	}
	return pl, json.Unmarshal(plain[:len(plain)-1], &pl)
}

func TestWebPush(t *testing.T) {
	t.Parallel()
	f := setup(t)
	priv, pub, err := webpush.GenerateVAPIDKeys()
	require.NoError(t, err)
	ps := newPushService(t, pub)
	cfg := f.cfg
	cfg.VAPIDPublicKey, cfg.VAPIDPrivateKey = pub, priv
	w, err := New(f.db, f.w.mail, NewWebPusher(cfg, ps.srv.Client()), cfg, slog.New(slog.DiscardHandler))
	require.NoError(t, err)

	_, err = f.db.Exec(`INSERT INTO push_subscriptions (user_id, endpoint, endpoint_hash, p256dh, auth) VALUES (?, ?, SHA2(?, 256), ?, ?)`,
		f.userID, ps.srv.URL+"/push/abc", ps.srv.URL+"/push/abc",
		base64.RawURLEncoding.EncodeToString(ps.uaPriv.PublicKey().Bytes()), base64.RawURLEncoding.EncodeToString(ps.auth))
	require.NoError(t, err)
	pid := f.product("push")
	wid := f.watch(pid, RuleTarget, ptr(100000), false, true)
	f.w = w

	f.handle(priceChanged(pid, "푸시 상품", 120000, 99000))
	require.Empty(t, ps.errs)
	require.Len(t, ps.payloads, 1)
	got := ps.payloads[0]
	require.Equal(t, "[똑소] 푸시 상품 가격이 99,000원으로 내렸어요", got.Title)
	require.Equal(t, "120,000원 → 99,000원 (-17%)", got.Body)
	require.Equal(t, fmt.Sprintf("http://localhost:3000/products/%d", pid), got.URL)
	require.Equal(t, fmt.Sprintf("watch-%d", wid), got.Tag)
	require.Equal(t, "high", ps.headers[0].Get("Urgency"))
	require.Equal(t, "86400", ps.headers[0].Get("TTL"))
	require.Equal(t, []string{StatusSent}, f.statuses(ChannelPush))

	// The subscription expired: 410 deletes it.
	ps.status = http.StatusGone
	f.handle(priceChanged(pid, "푸시 상품", 99000, 130000)) // re-arm
	f.handle(priceChanged(pid, "푸시 상품", 130000, 95000))
	require.Len(t, ps.payloads, 2)
	var n int
	require.NoError(t, f.db.QueryRow(`SELECT COUNT(*) FROM push_subscriptions WHERE user_id = ?`, f.userID).Scan(&n))
	require.Zero(t, n)
	require.Equal(t, []string{StatusSent, StatusSkipped}, f.statuses(ChannelPush))
	require.Equal(t, []string{"", reasonPushGone}, f.reasons(ChannelPush))

	// No subscription left: the next alert is recorded as skipped, not lost.
	f.handle(priceChanged(pid, "푸시 상품", 95000, 130000)) // re-arm
	f.handle(priceChanged(pid, "푸시 상품", 130000, 90000))
	require.Len(t, ps.payloads, 2)
	require.Equal(t, []string{StatusSent, StatusSkipped, StatusSkipped}, f.statuses(ChannelPush))
	require.Equal(t, reasonNoPushSub, f.reasons(ChannelPush)[2])
}
