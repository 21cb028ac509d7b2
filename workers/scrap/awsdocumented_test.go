package scrap_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ddokso/ddokso/events"
	"github.com/ddokso/ddokso/internal/awstest"
)

// TestAWSDocumentedSNSDeliveryReachesScrap: a scrape.requested as SNS
// delivers it to the scrap queue, with raw message delivery on (the body is
// the envelope) and off (SNS's documented notification document, from
// events/testdata/aws, with the envelope as its Message), decodes with the
// consumer's default decoder and is scraped to a done request on MariaDB.
func TestAWSDocumentedSNSDeliveryReachesScrap(t *testing.T) {
	t.Parallel()
	for _, raw := range []bool{true, false} {
		name := "raw-delivery-off"
		if raw {
			name = "raw-delivery-on"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fx := setup(t)
			body, err := fx.request(t, fx.shop.URL()).Marshal()
			require.NoError(t, err)
			if !raw {
				doc := map[string]any{}
				require.NoError(t, json.Unmarshal(awstest.Documented(t, "../../../../events/testdata/aws/sns-raw-delivery-off-scrape-requested.json"), &doc))
				doc["Message"] = string(body)
				body, err = json.Marshal(doc)
				require.NoError(t, err)
			}
			env, err := events.DecodeEnvelope(body)
			require.NoError(t, err)
			require.NoError(t, fx.w.Handle(fx.ctx, env, &events.Message{ID: env.ID, Body: body, ReceiveCount: 1}))
			p, ok := fx.product(t)
			require.True(t, ok, "the product was scraped")
			require.Equal(t, requestRow{Status: "done", ProductID: p.ID, Finished: true}, fx.requestOf(t, env))
		})
	}
}
