variable "count_of" {
  default = 1
}

resource "aws_db_instance" "this" {
  count             = var.count_of
  storage_encrypted = false
}
