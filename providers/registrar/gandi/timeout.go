package gandi

import "time"

const defaultTimeout = 30 * time.Second
