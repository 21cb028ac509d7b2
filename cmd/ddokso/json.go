package main

import (
	"encoding/json"
	"io"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/ddokso/ddokso/infra"
)

func writeJSONLine(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

func defaultTopology(prefix string) infra.Topology { return infra.Default(prefix) }

func newClients(cfg aws.Config) infra.Clients { return infra.NewClients(cfg) }
