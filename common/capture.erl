%% capture.erl: the expression kzlaunch's calls (and the helper's, for sup) evaluate on the node (erl_eval:expr/2) to run
%% M:F(A) with a group leader of their own, so that what the function prints reaches the
%% caller as it is printed, as {rex_stdout, Binary} messages to Caller, on every OTP from 19
%% on (rpc's send_stdout_to_caller came with OTP 25).  The group leader answers the io
%% protocol every OTP speaks: output is passed on, input is refused.  The result comes back
%% as the term (Show = term) or as its "~tp" text (Show = text: one round trip for rpc).
%% A watcher ends the call once the caller's connection closes (a client killed, a -t that
%% ran out), instead of letting it run to its end.  It watches the connection
%% (monitor_node), which sends the caller nothing, and kills the call a second after the
%% connection went: rex then answers the caller, and an answer sent while the connection is
%% still being torn down makes an OTP 23 node try to connect back (logged as an error when
%% the caller's host has no dot and the node runs with long names).
%%
%% Bound by the caller: M, F, A, Caller (the calling C node's pid), Show.  Not a module: the
%% GNUmakefile parses this text once, with the system's OTP, into the forms common/capture.c
%% sends (scripts/erl-forms).  Only what OTP 19's erl_eval knows: named funs, try.
(fun () ->
    Out = fun (Enc, Chars) ->
                  case unicode:characters_to_binary(Chars, Enc) of
                      Bin when is_binary(Bin) -> Caller ! {rex_stdout, Bin}, ok;
                      _ -> {error, {no_translation, Enc, unicode}}
                  end
          end,
    Request = fun Request({put_chars, Enc, Chars}) -> Out(Enc, Chars);
                  Request({put_chars, Enc, Mod, Fun, Args}) -> Out(Enc, apply(Mod, Fun, Args));
                  Request({put_chars, Chars}) -> Out(latin1, Chars);
                  Request({put_chars, Mod, Fun, Args}) -> Out(latin1, apply(Mod, Fun, Args));
                  Request({requests, Requests}) ->
                      lists:foldl(fun (R, ok) -> Request(R); (_, Error) -> Error end, ok, Requests);
                  Request(getopts) -> [{binary, false}, {encoding, unicode}];
                  Request({setopts, _}) -> ok;
                  Request(_) -> {error, enotsup}
              end,
    Serve = fun Serve() ->
                    receive
                        {io_request, From, ReplyAs, R} ->
                            Reply = try Request(R) catch _:_ -> {error, request} end,
                            From ! {io_reply, ReplyAs, Reply},
                            Serve();
                        done -> ok
                    end
            end,
    Call = self(),
    Watcher = spawn(fun () ->
                            erlang:monitor_node(node(Caller), true),
                            receive
                                {nodedown, _} ->
                                    receive done -> ok after 1000 -> exit(Call, kill) end;
                                done -> ok
                            end
                    end),
    %% Linked: a call that is killed takes its group leader with it.
    Leader = spawn_link(Serve),
    group_leader(Leader, self()),
    try apply(M, F, A) of
        Value when Show =:= text -> unicode:characters_to_binary(io_lib:format("~tp", [Value]));
        Value -> Value
    after
        Leader ! done,
        Watcher ! done
    end
 end)()
