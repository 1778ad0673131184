module github.com/sealroom/sealroom

go 1.26.0

require (
	golang.org/x/crypto v0.59.0
	google.golang.org/protobuf v1.36.12
)
