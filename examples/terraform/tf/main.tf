# Configuration written for fedcheck's tests (a fragment of what produced aws.json).
resource "aws_s3_bucket" "plain" {
  bucket = "plain"
}

module "db" {
  source = "./modules/db"
}
