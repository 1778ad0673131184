module github.com/sealroom/sealroom

go 1.26
