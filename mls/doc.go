// Package mls implements Messaging Layer Security, RFC 9420.
//
// The package is one Go package with files by concern; each file's doc
// comments cite the RFC sections it implements.
package mls
