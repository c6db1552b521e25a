module "db_1" {
  source = "./db_1"
}
