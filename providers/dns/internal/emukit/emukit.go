// Package emukit holds what the hosted providers' loopback emulators (desecemu, doemu,
// dnsimpleemu, gandiemu, hetzneremu, azureemu, gcdnsemu) write alike; each emulator keeps its
// own API's paths, bodies, errors and limits.
package emukit

import (
	"encoding/json"
	"net/http"
)

// JSON writes v as the JSON body of a reply with status code.
func JSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}
