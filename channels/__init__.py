"""Custom Rasa channels. ``channels.wechat.WeChatInput`` is the WeChat official account (公众号)."""
