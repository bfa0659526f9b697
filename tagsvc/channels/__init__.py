"""Group robots where Chinese schools talk: WeCom (企业微信) and DingTalk (钉钉). See robots.py."""
