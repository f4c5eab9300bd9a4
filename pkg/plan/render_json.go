package plan

import (
	"encoding/json"
	"io"

	"github.com/twinzone/twinzone/pkg/zone"
)

// JSONVersion is the version of the JSON plan schema. Fields may be added within a version;
// none is removed or changes meaning.
const JSONVersion = 1

// RenderJSON writes plans as one JSON document with this stable schema (version 1):
//
//	{
//	  "version": 1,
//	  "zones": [                                // one entry per plan, in the order given
//	    {
//	      "zone": "example.com.",               // zone apex
//	      "provider": "cf",                     // provider name from the config
//	      "changes": [                          // canonical order; [] when in sync
//	        {
//	          "action": "create",               // "create" | "update" | "delete"
//	          "name": "www.example.com.",       // absolute, lower-case owner
//	          "type": "A",                      // type mnemonic, TYPEnnn when unknown
//	          "old": {"ttl": 300, "values": ["192.0.2.1"]},  // absent for create
//	          "new": {"ttl": 300, "values": ["192.0.2.2"]}   // absent for delete
//	        }
//	      ],
//	      "unmanaged": [                        // RRsets left alone; [] when none
//	        {"name": "alias.example.com.", "type": "A", "reason": "..."}
//	      ],
//	      "summary": {"create": 1, "update": 0, "delete": 0, "existing": 42, "ignored": 0,
//	                  "stamp": true},           // counts without the sync stamp; stamp: it changes
//	      "error": "..."                        // only when the provider could not be planned
//	    }
//	  ]
//	}
//
// Values are RDATA in presentation format, as in a zone file (TXT quoted). The sync stamp
// ("_twinzone.<zone>" TXT) appears in "changes" when it differs, but is not counted in
// "summary" (it is twinzone's record, not a user change): "summary.stamp" tells. A provider
// that could not be read has "error" set, no changes and a zero summary; consumers must treat
// such an entry as a failure, as the exit status (1) does.
func RenderJSON(w io.Writer, plans []*Plan) error {
	doc := jsonDoc{Version: JSONVersion, Zones: make([]jsonZone, 0, len(plans))}
	for _, p := range plans {
		counts, stamp := recordCounts(p)
		z := jsonZone{
			Zone: p.Origin, Provider: p.Provider, Error: p.Error, VerifyOnly: p.VerifyOnly,
			Changes:   make([]jsonChange, 0, len(p.Changes)),
			Unmanaged: make([]jsonSkipped, 0, len(p.Unmanaged)),
			Summary: jsonSummary{Create: counts.Create, Update: counts.Update, Delete: counts.Delete,
				Existing: p.Existing, Ignored: p.Ignored, Stamp: stamp},
		}
		for _, c := range p.Changes {
			k := c.Key()
			z.Changes = append(z.Changes, jsonChange{Action: c.Action.String(), Name: k.Name,
				Type: zone.TypeString(k.Type), Old: jsonSet(c.Old), New: jsonSet(c.New)})
		}
		for _, u := range p.Unmanaged {
			z.Unmanaged = append(z.Unmanaged, jsonSkipped{Name: u.Key.Name, Type: zone.TypeString(u.Key.Type), Reason: u.Reason})
		}
		doc.Zones = append(doc.Zones, z)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(doc)
}

type jsonDoc struct {
	Version int        `json:"version"`
	Zones   []jsonZone `json:"zones"`
}

type jsonZone struct {
	Zone      string        `json:"zone"`
	Provider  string        `json:"provider"`
	Changes   []jsonChange  `json:"changes"`
	Unmanaged []jsonSkipped `json:"unmanaged"`
	Summary   jsonSummary   `json:"summary"`
	// VerifyOnly: a provider twinzone never writes (fed by zone transfer).
	VerifyOnly bool   `json:"verify_only,omitempty"`
	Error      string `json:"error,omitempty"`
}

type jsonChange struct {
	Action string      `json:"action"`
	Name   string      `json:"name"`
	Type   string      `json:"type"`
	Old    *jsonRRData `json:"old,omitempty"`
	New    *jsonRRData `json:"new,omitempty"`
}

type jsonRRData struct {
	TTL    uint32   `json:"ttl"`
	Values []string `json:"values"`
}

type jsonSkipped struct {
	Name   string `json:"name"`
	Type   string `json:"type"`
	Reason string `json:"reason"`
}

type jsonSummary struct {
	Create   int  `json:"create"`
	Update   int  `json:"update"`
	Delete   int  `json:"delete"`
	Existing int  `json:"existing"`
	Ignored  int  `json:"ignored"`
	Stamp    bool `json:"stamp"`
}

func jsonSet(s *zone.RRset) *jsonRRData {
	if s == nil {
		return nil
	}
	v := s.Values
	if v == nil {
		v = []string{}
	}
	return &jsonRRData{TTL: s.TTL, Values: v}
}
