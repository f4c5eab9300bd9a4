package r53emu

import "encoding/xml"

const xmlns = "https://route53.amazonaws.com/doc/2013-04-01/"

// Request and response documents of the Route 53 2013-04-01 REST/XML API, limited to the
// elements the emulator understands. Element names follow the AWS SDK v2 serializers.

type xmlAliasTarget struct {
	HostedZoneID         string `xml:"HostedZoneId"`
	DNSName              string `xml:"DNSName"`
	EvaluateTargetHealth bool   `xml:"EvaluateTargetHealth"`
}

type xmlRecord struct {
	Value string `xml:"Value"`
}

type xmlGeoLocation struct {
	ContinentCode   string `xml:"ContinentCode,omitempty"`
	CountryCode     string `xml:"CountryCode,omitempty"`
	SubdivisionCode string `xml:"SubdivisionCode,omitempty"`
}

// xmlRRset is a ResourceRecordSet; element order follows the botocore model's member order.
type xmlRRset struct {
	Name             string          `xml:"Name"`
	Type             string          `xml:"Type"`
	SetIdentifier    string          `xml:"SetIdentifier,omitempty"`
	Weight           *int64          `xml:"Weight,omitempty"`
	Region           string          `xml:"Region,omitempty"`
	GeoLocation      *xmlGeoLocation `xml:"GeoLocation,omitempty"`
	Failover         string          `xml:"Failover,omitempty"`
	MultiValueAnswer *bool           `xml:"MultiValueAnswer,omitempty"`
	TTL              *int64          `xml:"TTL,omitempty"`
	ResourceRecords  []xmlRecord     `xml:"ResourceRecords>ResourceRecord"`
	AliasTarget      *xmlAliasTarget `xml:"AliasTarget,omitempty"`
	HealthCheckID    string          `xml:"HealthCheckId,omitempty"`
}

type xmlChange struct {
	Action string   `xml:"Action"`
	RRset  xmlRRset `xml:"ResourceRecordSet"`
}

type xmlChangeRequest struct {
	XMLName xml.Name    `xml:"ChangeResourceRecordSetsRequest"`
	Comment string      `xml:"ChangeBatch>Comment"`
	Changes []xmlChange `xml:"ChangeBatch>Changes>Change"`
}

type xmlChangeInfo struct {
	ID          string `xml:"Id"`
	Status      string `xml:"Status"`
	SubmittedAt string `xml:"SubmittedAt"`
	Comment     string `xml:"Comment,omitempty"`
}

type xmlChangeResponse struct {
	XMLName    xml.Name      `xml:"ChangeResourceRecordSetsResponse"`
	Xmlns      string        `xml:"xmlns,attr"`
	ChangeInfo xmlChangeInfo `xml:"ChangeInfo"`
}

type xmlGetChangeResponse struct {
	XMLName    xml.Name      `xml:"GetChangeResponse"`
	Xmlns      string        `xml:"xmlns,attr"`
	ChangeInfo xmlChangeInfo `xml:"ChangeInfo"`
}

type xmlListRRsetsResponse struct {
	XMLName              xml.Name   `xml:"ListResourceRecordSetsResponse"`
	Xmlns                string     `xml:"xmlns,attr"`
	RRsets               []xmlRRset `xml:"ResourceRecordSets>ResourceRecordSet"`
	IsTruncated          bool       `xml:"IsTruncated"`
	MaxItems             int        `xml:"MaxItems"`
	NextRecordName       string     `xml:"NextRecordName,omitempty"`
	NextRecordType       string     `xml:"NextRecordType,omitempty"`
	NextRecordIdentifier string     `xml:"NextRecordIdentifier,omitempty"`
}

type xmlZoneConfig struct {
	Comment     string `xml:"Comment,omitempty"`
	PrivateZone bool   `xml:"PrivateZone"`
}

type xmlHostedZone struct {
	ID              string        `xml:"Id"`
	Name            string        `xml:"Name"`
	CallerReference string        `xml:"CallerReference"`
	Config          xmlZoneConfig `xml:"Config"`
	RRsetCount      int           `xml:"ResourceRecordSetCount"`
}

type xmlGetZoneResponse struct {
	XMLName     xml.Name      `xml:"GetHostedZoneResponse"`
	Xmlns       string        `xml:"xmlns,attr"`
	HostedZone  xmlHostedZone `xml:"HostedZone"`
	NameServers []string      `xml:"DelegationSet>NameServers>NameServer"`
}

type xmlListZonesByNameResponse struct {
	XMLName          xml.Name        `xml:"ListHostedZonesByNameResponse"`
	Xmlns            string          `xml:"xmlns,attr"`
	HostedZones      []xmlHostedZone `xml:"HostedZones>HostedZone"`
	DNSName          string          `xml:"DNSName,omitempty"`
	IsTruncated      bool            `xml:"IsTruncated"`
	MaxItems         int             `xml:"MaxItems"`
	NextDNSName      string          `xml:"NextDNSName,omitempty"`
	NextHostedZoneID string          `xml:"NextHostedZoneId,omitempty"`
}

type xmlErrorResponse struct {
	XMLName   xml.Name `xml:"ErrorResponse"`
	Xmlns     string   `xml:"xmlns,attr"`
	Type      string   `xml:"Error>Type"`
	Code      string   `xml:"Error>Code"`
	Message   string   `xml:"Error>Message"`
	RequestID string   `xml:"RequestId"`
}

// xmlInvalidChangeBatch is the other form in which Route 53 has answered InvalidChangeBatch:
// its own root element with the reasons in Messages (aws-sdk-go-v2 route53's
// internal/customizations/custom_error_deser.go decodes it).
type xmlInvalidChangeBatch struct {
	XMLName   xml.Name `xml:"InvalidChangeBatch"`
	Xmlns     string   `xml:"xmlns,attr"`
	Messages  []string `xml:"Messages>Message"`
	RequestID string   `xml:"RequestId"`
}
