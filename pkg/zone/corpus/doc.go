// Package corpus holds a test only: real-world zone files from the test suites of BIND, NSD,
// ldns, OctoDNS and DNSControl (testdata/SOURCES names each file's repository, commit, path
// and licence), read by twinzone as BIND's named-checkzone and Knot's kzonecheck read them,
// and synced into real BIND and Knot servers and the zonefile provider.
package corpus
